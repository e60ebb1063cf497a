import GRDB

/// The store's schema. Migrations are append-only: never edit one that has shipped,
/// add a new one after it.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-trials") { db in
            try db.create(table: "trial") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("status", .text).notNull()
                t.column("pluginName", .text).notNull()
                t.column("pluginVersion", .text).notNull()
                t.column("pluginPath", .text).notNull()
                t.column("pluginSHA256", .text).notNull()
                t.column("pluginCaseKinds", .text).notNull()
                t.column("policyName", .text).notNull()
                t.column("policySHA256", .text).notNull()
                t.column("fixtureSet", .text).notNull()
                t.column("fixtureSeed", .integer).notNull()
                t.column("fixtureSHA256", .text).notNull()
                t.column("isolation", .text).notNull()
                t.column("isolationNotes", .text).notNull()
                t.column("landlockABI", .integer).notNull()
                t.column("kernel", .text).notNull()
                t.column("sandpitVersion", .text).notNull()
                t.column("workers", .integer).notNull()
                t.column("startedAt", .text).notNull()
                t.column("finishedAt", .text)
                t.column("error", .text)
                t.column("peakRSSBytes", .integer).notNull()
                t.column("coldStartMicros", .integer).notNull()
                t.column("wallMicros", .integer).notNull()
                t.column("loadStdout", .text).notNull()
                t.column("loadStderr", .text).notNull()
            }
            try db.create(table: "trialCase") { t in
                t.column("trialId", .integer).notNull().references("trial", onDelete: .cascade)
                t.column("caseId", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("latencyMicros", .integer).notNull()
                t.column("answer", .text).notNull()
                t.column("answerSHA256", .text).notNull()
                t.column("stdout", .text).notNull()
                t.column("stderr", .text).notNull()
                t.column("detail", .text)
                t.column("worker", .integer).notNull()
                t.primaryKey(["trialId", "caseId"])
            }
            try db.create(table: "safetyEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("trialId", .integer).notNull().references("trial", onDelete: .cascade).indexed()
                t.column("caseId", .text)
                t.column("kind", .text).notNull()
                t.column("syscall", .text)
                t.column("arguments", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("category", .text).notNull()
                t.column("phase", .text).notNull()
            }
        }
        migrator.registerMigration("v2-scoring") { db in
            try db.alter(table: "trial") { t in
                // The trial's scores (quality, privacy, safety, grades) as JSON, and the grade
                // thresholds it was graded with, kept so a later change never rewrites it.
                t.add(column: "scoring", .text)
                t.add(column: "gradeThresholds", .text)
                t.add(column: "cpuUserMicros", .integer).notNull().defaults(to: 0)
                t.add(column: "cpuSystemMicros", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "trialCase") { t in
                t.add(column: "score", .double)
                t.add(column: "scoreParts", .text)
            }
            try db.create(table: "leak") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("trialId", .integer).notNull().references("trial", onDelete: .cascade).indexed()
                t.column("caseId", .text).notNull()
                t.column("identifierKind", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("match", .text).notNull()
                t.column("excerpt", .text).notNull()
            }
        }
        migrator.registerMigration("v3-timing-resume") { db in
            try db.alter(table: "trial") { t in
                // Where the policy came from and the run's options, so `run --resume` can
                // check that nothing changed and run the same way.
                t.add(column: "policyPath", .text)
                t.add(column: "runOptions", .text)
                // The worker's service times broke one of the host's checks: latency not graded.
                t.add(column: "timingInconsistent", .boolean).notNull().defaults(to: false)
                t.add(column: "timingNotes", .text)
            }
            try db.alter(table: "trialCase") { t in
                // What the host saw, beside the worker's measured service time (latencyMicros).
                t.add(column: "hostLatencyMicros", .integer)
            }
        }
        return migrator
    }
}
