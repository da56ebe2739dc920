import ArgumentParser
import CLResults

/// `--split-configurations`, shared by the commands that average runs (`report`, `export`):
/// runs of one label with different configurations are refused unless it is given.
struct MixingOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Report runs of one label that have different configurations apart, as '<label> [configuration N]', "
                + "instead of refusing them."))
    var splitConfigurations = false

    var policy: MixedConfigurations { splitConfigurations ? .splitApart : .refuse }
}
