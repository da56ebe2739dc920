/// The rule for names that become file or folder names (protocol `name:`, learner names
/// and labels): letters, digits, '.', '_' and '-', starting with a letter or a digit, at
/// most 100 characters. So `..`, `.`, `.hidden`, `-rf`, `a/b` and an empty name are refused:
/// a protocol named `..` wrote its results outside the output folder.
public enum SafeFileName {
    public static let maximumLength = 100

    /// Why `name` is not a safe file name, or nil when it is.
    public static func problem(with name: String) -> String? {
        guard name.count <= maximumLength else { return "is longer than \(maximumLength) characters" }
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            return "must be letters, digits, '.', '_' or '-', starting with a letter or digit, got '\(name)'"
        }
        return nil
    }
}
