import CLData

/// The error message of `body`, which must throw an `InputError` ("no error" or "unexpected …"
/// otherwise, so that an expectation on the text fails).
func inputErrorMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch let error as InputError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}
