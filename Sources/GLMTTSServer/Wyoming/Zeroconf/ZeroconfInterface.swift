import Foundation
import NIOCore

/// The network interface mDNS announcements go out on, and its IPv4 address and netmask.
/// For a Wyoming server bound to one address it is the interface holding that address; for
/// one bound to every address (`0.0.0.0`) it is the interface the kernel routes multicast
/// to 224.0.0.251 through (the one most hosts use for their LAN).
struct ZeroconfInterface: Sendable {
    let device: NIONetworkDevice
    let address: IPv4Address
    let netmask: IPv4Address

    /// Why no interface could be chosen.
    struct NotFound: Error, CustomStringConvertible {
        let description: String
    }

    /// The interface for a Wyoming server bound to `bindHost`.
    static func find(bindHost: String) throws -> ZeroconfInterface {
        let candidates = try System.enumerateDevices().compactMap { device -> ZeroconfInterface? in
            guard let address = device.address.flatMap(ipv4), let netmask = device.netmask.flatMap(ipv4) else { return nil }
            return ZeroconfInterface(device: device, address: address, netmask: netmask)
        }
        let wanted: IPv4Address?
        if let bound = IPv4Address(bindHost), bound.bytes != [0, 0, 0, 0] {
            wanted = bound
        } else {
            wanted = routedMulticastSource()
        }
        if let wanted, let match = candidates.first(where: { $0.address == wanted }) {
            guard match.device.multicastSupported else {
                throw NotFound(description: "the interface \(match.device.name) (\(wanted)) does not support multicast")
            }
            return match
        }
        if let fallback = candidates.first(where: { $0.device.multicastSupported && $0.address.bytes[0] != 127 }) {
            return fallback
        }
        throw NotFound(
            description: "no IPv4 network interface with multicast holds \(wanted.map { "\($0)" } ?? "an address for '\(bindHost)'")")
    }

    /// The IPv4 address of a socket address, nil for others.
    private static func ipv4(_ address: SocketAddress) -> IPv4Address? {
        guard case .v4 = address, let text = address.ipAddress else { return nil }
        return IPv4Address(text)
    }

    /// The source address the kernel picks for a datagram to the mDNS group (a UDP
    /// `connect` sends nothing; it only chooses the route).
    private static func routedMulticastSource() -> IPv4Address? {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(5353).bigEndian
        target.sin_addr.s_addr = inet_addr("224.0.0.251")
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        let raw = UInt32(bigEndian: local.sin_addr.s_addr)
        return IPv4Address(bytes: [UInt8(raw >> 24), UInt8((raw >> 16) & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF)])
    }
}
