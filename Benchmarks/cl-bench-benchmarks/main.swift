import Foundation
import CLTensor

func decompress(_ path: String) -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return [UInt8](data)
}
func be(_ b: [UInt8], _ o: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(b[o + $1]) } }
func load(_ split: String, limit: Int) -> (Tensor, [Int]) {
    let d = "/work/shared/datasets/mnist"
    let images = decompress("\(d)/\(split)-images.idx3-ubyte.gz"), labels = decompress("\(d)/\(split)-labels.idx1-ubyte.gz")
    let count = min(limit, be(images, 4))
    return (Tensor(shape: [count, 784], scalars: images[16..<(16 + count * 784)].map { Float($0) / 255 }), labels[8..<(8 + count)].map { Int($0) })
}
let env = ProcessInfo.processInfo.environment
let limit = Int(env["N"] ?? "20000")!, width = Int(env["W"] ?? "256")!, lr = Float(env["LR"] ?? "1e-3")!, epochs = Int(env["E"] ?? "3")!, bs = Int(env["B"] ?? "64")!
let useSGD = env["SGD"] != nil
var (trainX, trainY) = load("train", limit: limit)
trainX = Tensor(shape: trainX.shape, scalars: trainX.scalars.map { ($0 - 0.1307) / 0.3081 })
var (testX, testY) = load("t10k", limit: 10000)
testX = Tensor(shape: testX.shape, scalars: testX.scalars.map { ($0 - 0.1307) / 0.3081 })
var generator = SeededGenerator(seed: 7)
var batching = generator.split()
let hidden = Linear(inputs: 784, outputs: width, generator: &generator)
let output = Linear(inputs: width, outputs: 10, generator: &generator)
let optimizer: Optimizer = useSGD ? SGD(parameters: hidden.parameters + output.parameters, learningRate: lr, momentum: 0.9) : Adam(parameters: hidden.parameters + output.parameters, learningRate: lr)
func accuracy(_ x: Tensor, _ y: [Int]) -> Double {
    let logits = withoutGradient { output(hidden(Variable(x)).relu()).value }
    var correct = 0
    for i in 0..<y.count { let row = logits.scalars[(i * 10)..<(i * 10 + 10)]; if row.firstIndex(of: row.max()!)! - i * 10 == y[i] { correct += 1 } }
    return Double(correct) / Double(y.count)
}
for epoch in 0..<epochs {
    var total: Float = 0; var n = 0
    for batch in Augmentation.shuffledBatches(count: trainY.count, batchSize: bs, generator: &batching) {
        let logits = output(hidden(Variable(trainX.selecting(rows: batch))).relu())
        optimizer.zeroGradients()
        let loss = Loss.crossEntropy(logits: logits, labels: batch.map { trainY[$0] })
        total += loss.value.scalars[0]; n += 1
        loss.backward()
        optimizer.step()
    }
    print(epoch, total / Float(n), accuracy(testX, testY), accuracy(trainX.rows(0..<2000), Array(trainY[0..<2000])))
}
