/// A slot's finished cases not yet handed to the sink.
///
/// They go over every 256 cases or every quarter of a second, whichever comes first: the
/// store commits each batch, so a host that is killed loses at most that much, and a frame
/// that turns out to be a duplicate can still change the case it names before it is stored.
struct PendingResults {
    let sink: ResultSink
    private var results: [CaseResult] = []
    private var lateEvents: [SafetyEvent] = []
    private var lastDelivery = WorkerSlot.now()
    /// The worker's newest answer, kept back until its next frame (see ``hold(_:queue:)``).
    private var held: CaseResult?

    static let batchSize = 256
    static let deliveryNanos: UInt64 = 250_000_000

    init(sink: ResultSink) { self.sink = sink }

    /// Adds a finished case and counts its outcome for the queue's failures in a row.
    mutating func add(_ result: CaseResult, queue: CaseQueue?) {
        results.append(result)
        queue?.record(result.outcome)
        if results.count >= Self.batchSize { deliver() }
    }

    /// Keeps an answered case back until the worker's next frame: a duplicate of this one
    /// (the worker's real answer after a forged one) must come before it.
    mutating func hold(_ result: CaseResult, queue: CaseQueue?) {
        release()
        held = result
        queue?.record(result.outcome)
    }

    /// Lets the held case go with the next batch (the worker answered again, or is gone).
    mutating func release() {
        guard let result = held else { return }
        held = nil
        results.append(result)
        if results.count >= Self.batchSize { deliver() }
    }

    /// A second answer frame arrived for case `index`: it becomes `protocol_error` if it is
    /// still here, and gets the event either way.
    mutating func amend(index: Int, caseID: String, detail: String) {
        let event = SafetyEvent(kind: .protocolError, caseID: caseID, detail: detail, category: "other", phase: "run")
        if var result = held, result.index == index {
            if result.outcome != .protocolError {
                result.outcome = .protocolError
                result.detail = detail
            }
            result.events.append(event)
            held = result
        } else if let i = results.lastIndex(where: { $0.index == index }) {
            if results[i].outcome != .protocolError {
                results[i].outcome = .protocolError
                results[i].detail = detail
            }
            results[i].events.append(event)
        } else {
            lateEvents.append(event)
        }
    }

    /// Adds an event to case `index`, finished earlier.
    mutating func attach(_ event: SafetyEvent, toCase index: Int) {
        if held?.index == index {
            held?.events.append(event)
        } else if let i = results.lastIndex(where: { $0.index == index }) {
            results[i].events.append(event)
        } else {
            lateEvents.append(event)
        }
    }

    /// Adds events that belong to no case in flight (a replacement worker's loading, a
    /// denial between cases).
    mutating func addLate(_ events: [SafetyEvent]) {
        lateEvents += events
    }

    mutating func deliverIfDue() {
        guard !results.isEmpty || !lateEvents.isEmpty else { return }
        if WorkerSlot.now() &- lastDelivery >= Self.deliveryNanos { deliver() }
    }

    /// Hands over everything, the held case included: the slot is done.
    mutating func finish() {
        release()
        deliver()
    }

    mutating func deliver() {
        lastDelivery = WorkerSlot.now()
        guard !results.isEmpty || !lateEvents.isEmpty else { return }
        sink.deliver(ResultBatch(results: results, lateEvents: lateEvents))
        results.removeAll(keepingCapacity: true)
        lateEvents.removeAll()
    }
}
