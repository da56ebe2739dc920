// CLLearners
