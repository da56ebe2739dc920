// What a learner author needs, with one `import CLBench`: the learner protocol and its
// capabilities, the training loop, backbones and heads (CLLearners), tensors, autodiff,
// layers and optimisers (CLTensor), task data (CLData) and the evaluation types (CLEval).
@_exported import CLData
@_exported import CLEval
@_exported import CLLearners
@_exported import CLTensor
