// What a learner author needs, with one `import CLBench`: the learner protocol and its
// capabilities, the training loop, backbones and heads (CLLearners), tensors, autodiff,
// layers and optimisers (CLTensor), task data (CLData), protocol and sweep files (CLConfig),
// the runner (CLRun) and the results files, metrics and checks (CLResults).
@_exported import CLConfig
@_exported import CLData
@_exported import CLLearners
@_exported import CLResults
@_exported import CLRun
@_exported import CLTensor
