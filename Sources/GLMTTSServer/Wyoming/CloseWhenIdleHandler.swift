import NIOCore

/// Closes a connection when NIO's `IdleStateHandler` (before it in the pipeline) reports
/// it idle: a Wyoming client that neither sends nor receives for that long holds a
/// connection slot for nothing.
final class CloseWhenIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
