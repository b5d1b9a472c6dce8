import Foundation
import GLMTTSEngine
import NIOCore
import Testing

@testable import GLMTTSServer

/// The mDNS announcement's packets on their own: names and messages read from hostile
/// bytes, the records and answers of the service, and the responder's rules. The
/// announcement on a real network, with python-zeroconf as the peer, is tested in
/// Tests/python/test_wyoming_zeroconf.py.
@Suite struct ZeroconfTests {
    let service = ZeroconfService(
        instanceName: "GLM-TTS kitchen", hostLabel: "glmtts-box", address: IPv4Address("192.168.1.5")!, port: 10200)
    let peer = try! SocketAddress(ipAddress: "192.168.1.20", port: 5353)

    func query(_ questions: [DNSQuestion], id: UInt16 = 0, known: [DNSRecord] = [], authority: [DNSRecord] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [id, 0, UInt16(questions.count), UInt16(known.count), UInt16(authority.count), 0] { bytes.appendBigEndian(value) }
        for question in questions { question.write(into: &bytes) }
        for record in known + authority { record.write(into: &bytes) }
        return bytes
    }

    func announcedResponder() -> ZeroconfResponder {
        let responder = ZeroconfResponder(service: service, address: service.address, netmask: IPv4Address("255.255.255.0")!)
        responder.markAnnounced()
        return responder
    }

    @Test func recordsSurviveTheRoundTripThroughTheWire() throws {
        let message = try DNSMessage.parse(DNSMessage.response(answers: service.records))
        #expect(message.isResponse && message.questions.isEmpty)
        #expect(message.records.map(\.name) == service.records.map(\.name))
        #expect(message.records.map(\.data) == service.records.map(\.data))
        #expect(message.records.map(\.ttl) == service.records.map(\.ttl))
    }

    @Test func namesCompareWithoutCaseAndFollowPointersBackwards() throws {
        #expect(DNSName("GLM-TTS", "_WYOMING", "_tcp", "Local") == DNSName("GLM-TTS", "_wyoming", "_tcp", "local"))
        #expect(DNSName("a", "local").hashValue == DNSName("A", "LOCAL").hashValue)
        // "local" at 12, then "host" + pointer to 12.
        var packet = [UInt8](repeating: 0, count: 12) + [5] + Array("local".utf8) + [0]
        let second = packet.count
        packet += [4] + Array("host".utf8) + [0xC0, 12, 0xFF]
        var offset = second
        #expect(try DNSName.read(from: packet, at: &offset) == DNSName("host", "local"))
        #expect(offset == packet.count - 1)  // just past the pointer
    }

    @Test func hostileNamesAreRefusedNotFollowed() {
        let header = [UInt8](repeating: 0, count: 12)
        let cases: [([UInt8], DNSMessageError)] = [
            (header + [0xC0, 12], .badPointer),  // points at itself
            (header + [0xC0, 14, 0], .badPointer),  // points forward
            (header + [1, 65, 0xC0, 12], .badPointer),  // a loop through its own first label
            (header + [0x80, 1, 2], .badLabel),  // a reserved label type
            (header + [10, 65, 66], .truncated),  // a label past the end
            (header + [0xC0], .truncated),  // half a pointer
            (header, .truncated),  // no name at all
            (header + Array(repeating: [63] + [UInt8](repeating: 97, count: 63), count: 5).flatMap { $0 } + [0], .nameTooLong),
        ]
        for (packet, expected) in cases {
            var offset = 12
            #expect(throws: expected) { try DNSName.read(from: packet, at: &offset) }
        }
    }

    @Test func randomAndTruncatedPacketsNeverCrashTheReader() {
        var generator = SystemRandomNumberGenerator()
        let valid = DNSMessage.response(answers: service.records)
        for length in 0..<valid.count {
            _ = try? DNSMessage.parse(Array(valid.prefix(length)))
        }
        for _ in 0..<2000 {
            let packet = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? DNSMessage.parse(packet)
        }
        var huge = [UInt8](repeating: 0xFF, count: 12)
        huge += [UInt8](repeating: 0, count: 40)
        #expect(throws: DNSMessageError.tooManyEntries) { try DNSMessage.parse(huge) }
    }

    @Test func aPointerQuestionIsAnsweredWithTheServiceAndItsAddress() throws {
        let replies = announcedResponder().replies(to: query([DNSQuestion(name: ZeroconfService.serviceType, type: .ptr)]), from: peer)
        #expect(replies.count == 1)
        #expect(replies.first?.destination == ZeroconfResponder.group)
        let answer = try DNSMessage.parse(try #require(replies.first).bytes)
        #expect(answer.records.map(\.type) == [.ptr, .srv, .txt, .a])
        #expect(answer.records.first?.data == .pointer(service.instance))
        #expect(answer.records.contains { $0.data == .address(IPv4Address("192.168.1.5")!) })
    }

    @Test func nothingIsAnsweredWhileProbingOrForOtherNames() {
        let probing = ZeroconfResponder(service: service, address: service.address, netmask: IPv4Address("255.255.255.0")!)
        let question = DNSQuestion(name: ZeroconfService.serviceType, type: .ptr)
        #expect(probing.replies(to: query([question]), from: peer).isEmpty)
        let announced = announcedResponder()
        #expect(announced.replies(to: query([DNSQuestion(name: DNSName("_http", "_tcp", "local"), type: .ptr)]), from: peer).isEmpty)
        #expect(announced.replies(to: query([DNSQuestion(name: service.host, type: .aaaa)]), from: peer).isEmpty)
    }

    @Test func aRecordIsMulticastAtMostOnceASecondUnlessDefendingAProbe() {
        let responder = announcedResponder()
        let packet = query([DNSQuestion(name: ZeroconfService.serviceType, type: .ptr)])
        let start = ContinuousClock.now
        #expect(responder.replies(to: packet, from: peer, now: start).count == 1)
        #expect(responder.replies(to: packet, from: peer, now: start + .milliseconds(500)).isEmpty)
        #expect(responder.replies(to: packet, from: peer, now: start + .milliseconds(1100)).count == 1)
        let probe = query(
            [DNSQuestion(name: service.instance, type: .any)],
            authority: [service.renamed(attempt: 2).serviceRecord.withName(service.instance)])
        #expect(responder.replies(to: probe, from: peer, now: start + .milliseconds(1200)).count == 1)
    }

    @Test func whatTheAskerAlreadyKnowsIsLeftOut() {
        let responder = announcedResponder()
        let question = DNSQuestion(name: ZeroconfService.serviceType, type: .ptr)
        #expect(responder.replies(to: query([question], known: [service.pointerRecord]), from: peer).isEmpty)
        // Known with less than half its time to live left: answered again.
        #expect(responder.replies(to: query([question], known: [service.pointerRecord.with(ttl: 100)]), from: peer).count == 1)
    }

    @Test func aLegacyQueryGetsAUnicastAnswerOnlyFromTheLocalNetwork() throws {
        let responder = announcedResponder()
        let packet = query([DNSQuestion(name: service.instance, type: .srv)], id: 0x1234)
        let local = try SocketAddress(ipAddress: "192.168.1.20", port: 40_000)
        let reply = try #require(responder.replies(to: packet, from: local).first)
        #expect(reply.destination == local)
        let answer = try DNSMessage.parse(reply.bytes)
        #expect(answer.id == 0x1234 && answer.questions.map(\.name) == [service.instance])
        #expect(answer.records.allSatisfy { $0.ttl <= 10 })
        #expect(reply.bytes.count > 12 && !answer.records.isEmpty)
        let remote = try SocketAddress(ipAddress: "203.0.113.9", port: 40_000)
        #expect(responder.replies(to: packet, from: remote).isEmpty)
    }

    @Test func aClaimOnOurNamesWithOtherDataIsAConflictButOurOwnEchoIsNot() throws {
        let responder = announcedResponder()
        _ = responder.replies(to: DNSMessage.response(answers: service.records), from: peer)
        #expect(!responder.takeConflict())
        let theirs = DNSRecord(
            name: service.instance, data: .service(priority: 0, weight: 0, port: 9, target: DNSName("other", "local")), ttl: 120,
            unique: true)
        _ = responder.replies(to: DNSMessage.response(answers: [theirs]), from: peer)
        #expect(responder.takeConflict())
        #expect(!responder.takeConflict())  // taken once
    }

    @Test func renamesCountUpAndFitOneLabel() {
        #expect(service.renamed(attempt: 2).instanceName == "GLM-TTS kitchen (2)")
        #expect(service.renamed(attempt: 2).renamed(attempt: 3).instanceName == "GLM-TTS kitchen (3)")
        #expect(service.renamed(attempt: 3).hostLabel == "glmtts-box-3")
        let long = ZeroconfService(
            instanceName: String(repeating: "語", count: 21), hostLabel: "glmtts-x", address: service.address, port: 1)
        #expect(long.renamed(attempt: 12).instanceName.utf8.count <= 63)
        #expect(long.renamed(attempt: 12).instanceName.hasSuffix(" (12)"))
    }

    @Test func hostLabelsAndInstanceNamesAreChecked() {
        #expect(ZeroconfService.hostLabel(fromHostName: "My_Box.lan") == "glmtts-my-box")
        #expect(ZeroconfService.hostLabel(fromHostName: "") == "glmtts")
        #expect(ZeroconfService.problem(withInstanceName: "Küche GLM-TTS (2)") == nil)
        for bad in ["", "a.b", "tab\there", String(repeating: "x", count: 64)] {
            #expect(ZeroconfService.problem(withInstanceName: bad) != nil, "\(bad)")
        }
    }

    @Test func settingsRefuseAnAnnouncementNobodyCouldUse() throws {
        var configuration = ServerConfiguration(
            dataDirectory: DataDirectory(root: FileManager.default.temporaryDirectory, models: FileManager.default.temporaryDirectory))
        configuration.wyomingZeroconfName = "GLM-TTS"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }  // no Wyoming server
        configuration.wyomingPort = 10200
        #expect(throws: ConfigurationError.self) { try configuration.validate() }  // loopback
        configuration.wyomingHost = "0.0.0.0"
        configuration.wyomingAllowedClients = ["192.168.1.20"]
        try configuration.validate()
    }
}

extension DNSRecord {
    /// The same data under another name (a rival's claim on our name).
    fileprivate func withName(_ name: DNSName) -> DNSRecord {
        DNSRecord(name: name, data: data, ttl: ttl, unique: unique)
    }
}
