import Testing
@testable import CLTensor

@Suite struct AugmentationTests {
    @Test func cropKeepsShapeAndShiftsContent() {
        let image = Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Float.init))
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<20 {
            let cropped = Augmentation.randomCrop(image, padding: 2, generator: &generator)
            #expect(cropped.shape == image.shape)
            // A shifted window: every non-zero value keeps its right/lower neighbour's offset.
            let nonZero = cropped.scalars.filter { $0 != 0 }
            #expect(Set(nonZero).isSubset(of: Set(image.scalars)))
            #expect(!nonZero.isEmpty)
        }
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        #expect(
            Augmentation.randomCrop(image, padding: 2, generator: &a)
                == Augmentation.randomCrop(image, padding: 2, generator: &b))
        var zero = SeededGenerator(seed: 5)
        #expect(Augmentation.randomCrop(image, padding: 0, generator: &zero) == image)
    }

    @Test func flipMirrorsRows() {
        let image = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var generator = SeededGenerator(seed: 2)
        #expect(
            Augmentation.randomHorizontalFlip(image, probability: 1, generator: &generator).scalars == [
                3, 2, 1, 6, 5, 4,
            ])
        #expect(Augmentation.randomHorizontalFlip(image, probability: 0, generator: &generator) == image)
    }

    @Test func normalizePerChannel() {
        let batch = Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 10, 20])
        let out = Augmentation.normalize(batch, mean: [2, 10], standardDeviation: [1, 5])
        #expect(out.scalars == [-1, 1, 0, 2])
    }

    @Test func batchesCoverEverySampleOnce() {
        var generator = SeededGenerator(seed: 3)
        let batches = Augmentation.shuffledBatches(count: 10, batchSize: 4, generator: &generator)
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<10))
        var again = SeededGenerator(seed: 3)
        #expect(Augmentation.shuffledBatches(count: 10, batchSize: 4, generator: &again) == batches)
        var drop = SeededGenerator(seed: 3)
        #expect(Augmentation.shuffledBatches(count: 10, batchSize: 4, dropLast: true, generator: &drop).count == 2)
        let rows = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5]).selecting(rows: [2, 0])
        #expect(rows.scalars == [4, 5, 0, 1])
    }
}
