import CLBench

CLBenchCommand.main()
