import NIOCore

/// A promise several parties race to complete (the answer, the timeout, a closed socket):
/// the first wins and the rest are ignored. Every use is on the promise's event loop.
struct OncePromise<Value: Sendable>: Sendable {
    let promise: EventLoopPromise<Value>
    let completed: NIOLoopBoundBox<Bool>

    init(on loop: any EventLoop) {
        promise = loop.makePromise(of: Value.self)
        completed = NIOLoopBoundBox(false, eventLoop: loop)
    }

    var futureResult: EventLoopFuture<Value> { promise.futureResult }

    func succeed(_ value: Value) {
        guard !completed.value else { return }
        completed.value = true
        promise.succeed(value)
    }

    func fail(_ error: any Error) {
        guard !completed.value else { return }
        completed.value = true
        promise.fail(error)
    }
}
