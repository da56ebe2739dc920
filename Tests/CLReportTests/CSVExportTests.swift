import Testing
@testable import CLReport

@Suite("Tidy CSV export")
struct CSVExportTests {
    @Test("one row per metric, matrix cell, pooled accuracy and FSCIL cell")
    func rowCounts() {
        let run = SyntheticRecords.run(learner: "nmc", seed: 2, tasks: 3, plasticity: 0.9, retention: 0.9)
        let csv = CSVExport.render([run])
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.first == "protocol,learner,seed,status,kind,key,row,column,value")
        let expected = 1 + run.metrics.count + 4 * 3 + 3
        #expect(lines.count == expected)
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 9 })
        #expect(lines.contains("split-mnist,nmc,2,complete,accuracy_matrix,accuracy,0,1,0.0"))
        #expect(lines.contains("split-mnist,nmc,2,complete,metric,final_accuracy,,,\(run.metrics["final_accuracy"]!)"))
        #expect(
            lines.contains("split-mnist,nmc,2,complete,pooled_accuracy,pooled_accuracy,,0,\(run.pooledAccuracy[0])"))
    }

    @Test("NaN is written as NaN, incomplete runs keep their status")
    func nanAndStatus() {
        let failed = SyntheticRecords.run(
            learner: "icarl", seed: 1, tasks: 2, plasticity: 0.9, retention: 0.9,
            status: "failed", completedTasks: 1, error: "boom")
        let csv = CSVExport.render([failed])
        #expect(csv.contains("split-mnist,icarl,1,failed,accuracy_matrix,accuracy,2,0,NaN"))
        #expect(!csv.contains(",metric,"))
    }

    @Test("few-shot sessions are exported with named columns")
    func fewShot() {
        let csv = CSVExport.render([SyntheticRecords.fewShotRun(learner: "teen", seed: 0, sessions: 2)])
        #expect(csv.contains("cub200-fscil,teen,0,complete,fscil_accuracy,novel,0,,NaN"))
        #expect(csv.contains(",fscil_accuracy,harmonic_mean,1,,"))
        #expect(csv.contains(",metric,performance_drop,,,"))
    }

    @Test("fields with commas or quotes are quoted")
    func quoting() {
        #expect(CSVExport.quoted("plain") == "plain")
        #expect(CSVExport.quoted("a,b") == "\"a,b\"")
        #expect(CSVExport.quoted("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }
}
