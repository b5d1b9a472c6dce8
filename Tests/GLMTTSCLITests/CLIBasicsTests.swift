import Testing
import Foundation

@Suite struct CLIBasicsTests {
    @Test func helpListsSubcommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("glmtts"))
    }

    @Test func unknownSubcommandFails() throws {
        let result = try CLI.run(["definitely-not-a-command"])
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty)
    }
}
