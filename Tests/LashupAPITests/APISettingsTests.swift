import LashupAPI
import LashupCluster
import Testing

@Suite("API settings")
struct APISettingsTests {
    @Test("default loopback address; a token is required beyond loopback; a bad address names the flag")
    func settings() throws {
        let defaults = try APISettings(ServiceSettings())
        #expect(defaults.host == "127.0.0.1" && defaults.port == 62080 && defaults.token == nil)
        #expect { try APISettings(ServiceSettings(flags: ["api": "10.0.0.1:80"])) } throws: { "\($0)".contains("--api-token") }
        let open = try APISettings(ServiceSettings(flags: ["api": "10.0.0.1:80"], environment: ["LASHUP_API_TOKEN": "s3cret"]))
        #expect(open.host == "10.0.0.1" && open.port == 80 && open.token == "s3cret")
        #expect { try APISettings(ServiceSettings(file: ["api": "nowhere"])) } throws: { "\($0)".contains("--api \"nowhere\"") }
    }
}
