import Foundation
import GRDB

/// The SQLite comparison store: trials, their cases and safety events.
///
/// One per process, around one `DatabaseWriter` (a WAL `DatabasePool` on disk, a
/// `DatabaseQueue` in memory for tests). Only the host writes it; every write of a
/// trial's rows is one transaction, so a trial never has half a case.
public struct ComparisonStore: Sendable {
    private let writer: any DatabaseWriter
    /// Where the store lives (":memory:" for an in-memory one).
    public let path: String

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened, is not a sandpit store,
    ///   or was written by a newer sandpit.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            let pool = try DatabasePool(path: path, configuration: configuration)
            self.writer = pool
        } catch {
            throw StoreError(.unusable, path: path, Self.describe(error))
        }
        try migrate()
    }

    /// Opens an existing store for reading only: it is never created, migrated or written,
    /// so browsing cannot disturb (or race) a trial that is running into it.
    ///
    /// - Throws: ``StoreError`` when there is no store at `path`, it is not a sandpit store,
    ///   or its schema is older or newer than this sandpit's.
    public init(readingOnly path: String) throws(StoreError) {
        self.path = path
        guard access(path, F_OK) == 0 else {
            throw StoreError(.missing, path: path, "no store here (run a trial first, or name one with --store)")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            self.writer = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.unusable, path: path, Self.describe(error))
        }
        let migrator = Schema.migrator
        do {
            if try writer.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw StoreError(
                    .newerVersion, path: path,
                    "written by a newer sandpit (its schema has migrations this version does not know); upgrade sandpit"
                )
            }
            if try !writer.read({ db in try migrator.hasCompletedMigrations(db) }) {
                throw StoreError(
                    .unusable, path: path,
                    "written by an older sandpit, or still being created; any `sandpit run` with this store upgrades it"
                )
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unusable, path: path, Self.describe(error))
        }
    }

    /// An empty store in memory, for tests.
    public static func inMemory() throws(StoreError) -> ComparisonStore {
        try ComparisonStore(writer: try wrap(":memory:") { try DatabaseQueue() })
    }

    private init(writer: any DatabaseWriter) throws(StoreError) {
        self.writer = writer
        self.path = ":memory:"
        try migrate()
    }

    private func migrate() throws(StoreError) {
        let migrator = Schema.migrator
        do {
            let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw StoreError(
                    .newerVersion, path: path,
                    "written by a newer sandpit (its schema has migrations this version does not know); upgrade sandpit or use another --store"
                )
            }
            try migrator.migrate(writer)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unusable, path: path, Self.describe(error))
        }
    }

    static func wrap<T>(_ path: String, _ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw StoreError(.unusable, path: path, describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return "not a sandpit store (not an SQLite database)"
            case .SQLITE_FULL: return "the disk is full"
            case .SQLITE_READONLY: return "the store is read-only"
            case .SQLITE_CANTOPEN: return "cannot open the file (does its directory exist, may you write it?)"
            case .SQLITE_CORRUPT: return "the database file is corrupt"
            default: return error.message ?? "\(error)"
            }
        }
        return "\(error)"
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError(.writeFailed, path: path, Self.describe(error))
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError(.unusable, path: path, Self.describe(error))
        }
    }

    // MARK: - Writing

    /// Records a new trial as `incomplete` and returns it with its id.
    public func begin(_ trial: TrialRecord) throws(StoreError) -> TrialRecord {
        var trial = trial
        trial.status = "incomplete"
        return try write { db in
            try trial.insert(db)
            return trial
        }
    }

    /// Adds a batch of cases, events and leaks to a trial, in one transaction.
    public func append(cases: [CaseRecord], events: [SafetyEventRecord], leaks: [LeakRecord] = []) throws(StoreError) {
        try write { db in
            for record in cases { try record.insert(db) }
            for var event in events { try event.insert(db) }
            for var leak in leaks { try leak.insert(db) }
        }
    }

    /// Marks a trial finished (complete or failed) with its closing figures.
    public func finish(_ trial: TrialRecord) throws(StoreError) {
        try write { db in try trial.update(db) }
    }

    // MARK: - Reading

    /// Every trial, newest first.
    public func trials() throws(StoreError) -> [TrialRecord] {
        try read { db in try TrialRecord.order(TrialRecord.Columns.id.desc).fetchAll(db) }
    }

    /// One trial by id.
    public func trial(id: Int64) throws(StoreError) -> TrialRecord? {
        try read { db in try TrialRecord.fetchOne(db, key: id) }
    }

    /// A trial's cases in trial order.
    public func cases(trial id: Int64) throws(StoreError) -> [CaseRecord] {
        try read { db in
            try CaseRecord.filter(CaseRecord.Columns.trialId == id).order(CaseRecord.Columns.position).fetchAll(db)
        }
    }

    /// The ids of the cases a trial has recorded.
    public func caseIDs(trial id: Int64) throws(StoreError) -> Set<String> {
        try read { db in
            Set(
                try String.fetchAll(
                    db, CaseRecord.select(CaseRecord.Columns.caseId).filter(CaseRecord.Columns.trialId == id)))
        }
    }

    /// How many cases a trial has recorded, counted by the database.
    public func caseCount(trial id: Int64) throws(StoreError) -> Int {
        try read { db in try CaseRecord.filter(CaseRecord.Columns.trialId == id).fetchCount(db) }
    }

    /// How many of a trial's safety events are of one of `kinds`, counted by the database.
    public func eventCount(trial id: Int64, kinds: [String]) throws(StoreError) -> Int {
        try read { db in
            try SafetyEventRecord.filter(
                SafetyEventRecord.Columns.trialId == id && kinds.contains(SafetyEventRecord.Columns.kind)
            ).fetchCount(db)
        }
    }

    /// A trial's leaks in the order they were found.
    public func leaks(trial id: Int64) throws(StoreError) -> [LeakRecord] {
        try read { db in
            try LeakRecord.filter(LeakRecord.Columns.trialId == id).order(LeakRecord.Columns.id).fetchAll(db)
        }
    }

    /// A trial's safety events in the order they were recorded.
    public func events(trial id: Int64) throws(StoreError) -> [SafetyEventRecord] {
        try read { db in
            try SafetyEventRecord.filter(SafetyEventRecord.Columns.trialId == id).order(SafetyEventRecord.Columns.id)
                .fetchAll(db)
        }
    }
}

/// Why the store cannot be used.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        case unusable, newerVersion, writeFailed
        /// A command that only reads found no store at the path.
        case missing
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
