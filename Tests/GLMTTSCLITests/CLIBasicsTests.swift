import Foundation
import Testing

@Suite struct CLIBasicsTests {
    @Test func helpListsSubcommands() async throws {
        let result = try await CLI.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("glmtts"))
    }

    @Test func unknownSubcommandFails() async throws {
        let result = try await CLI.run(["definitely-not-a-command"])
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty)
    }
}
