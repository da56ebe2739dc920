import CLBench

// The whole cl-bench command line (run, report, check, ...), plus the learner above.
CLBenchCommand.main(learners: [LearningWithoutForgetting.self])
