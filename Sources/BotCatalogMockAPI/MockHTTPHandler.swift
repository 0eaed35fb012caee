import NIOCore
import NIOHTTP1

/// One connection's HTTP handler: hands each complete request to the shared state
/// for a decision, then carries it out on this channel's event loop.
///
/// Request bodies are ignored (every route is a GET). Keep-alive is honoured;
/// pipelined requests are queued by NIO's `HTTPServerPipelineHandler` in front.
final class MockHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: LockedValue<MockServerState>
    private var head: HTTPRequestHead?
    private var receivedAt = ContinuousClock.now
    /// A `delay` answer waiting to be sent; cancelled if the connection goes away.
    private var pendingAnswer: Scheduled<Void>?
    private var isActive = true

    init(state: LockedValue<MockServerState>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            receivedAt = .now
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        pendingAnswer?.cancel()
        pendingAnswer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = IncomingRequest(
            method: head.method.rawValue,
            target: head.uri,
            authorization: head.headers.first(name: "Authorization"),
            receivedAt: receivedAt
        )
        let reply = state.withLock { $0.reply(to: request) }

        switch reply {
        case .respond(let response):
            write(response, for: head, context: context)
        case .respondLater(let response, let delay):
            pendingAnswer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                self.pendingAnswer = nil
                guard self.isActive else { return }
                self.write(response, for: head, context: context)
            }
        case .truncate(let response):
            write(response, for: head, truncated: true, context: context)
        case .reset:
            context.close(promise: nil)
        case .hang:
            // Nothing to do: the connection stays open until the client or `stop()` closes it.
            break
        }
    }

    /// Writes the response; a truncated one keeps the full `Content-Length` but sends
    /// only the first half of the body and closes, so the client sees a short read.
    private func write(
        _ response: MockResponse,
        for request: HTTPRequestHead,
        truncated: Bool = false,
        context: ChannelHandlerContext
    ) {
        let keepAlive = request.isKeepAlive && !truncated
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(response.body.count))
        for header in response.headers {
            headers.add(name: header.name, value: header.value)
        }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(
            version: request.version,
            status: HTTPResponseStatus(statusCode: response.status),
            headers: headers
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)

        let sentBytes = truncated ? response.body.prefix(response.body.count / 2) : response.body[...]
        var buffer = context.channel.allocator.buffer(capacity: sentBytes.count)
        buffer.writeBytes(sentBytes)

        let channel = context.channel
        if truncated {
            // No `.end`: the response is unfinished when the connection closes.
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

extension TimeAmount {
    /// A `Duration` in nanoseconds, saturating instead of overflowing.
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (wholeNanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            self = .nanoseconds(seconds < 0 ? .min : .max)
        } else {
            let (total, overflowAgain) = wholeNanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000)
            self = .nanoseconds(overflowAgain ? .max : total)
        }
    }
}
