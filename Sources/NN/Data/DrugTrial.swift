/// The drug side-effect trial of the Keras tutorial notes, generated from a seed.
///
/// People aged 13 to 100 took an experimental drug. 95% of those under 65 had no side effects
/// and 95% of those 65 or older had some; the other 5% of each group did the opposite. Samples
/// are ages min-max scaled to `[0, 1]` (shape `(n, 1)`); labels are 1 for side effects
/// (shape `(n,)`).
public enum DrugTrial {
    /// The trial's samples and labels.
    public struct Data: Sendable {
        public let samples: Tensor
        public let labels: Tensor
    }

    /// The youngest and oldest participant, used for scaling.
    public static let ages: ClosedRange<Int> = 13...100

    /// Makes a trial with `outliersPerGroup` people per age group who react against the trend
    /// and `typicalPerGroup` who follow it: `(50, 1000)` gives the notes' 2100 training
    /// samples, `(10, 200)` their 420 test samples. The order is shuffled. A negative count
    /// counts as none.
    public static func make(outliersPerGroup: Int, typicalPerGroup: Int, seed: UInt64) -> Data {
        var generator = SeededGenerator(seed: seed, stream: 7)
        var people: [(age: Int, label: Float)] = []
        func age(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(generator.next() % UInt64(range.count))
        }
        for _ in 0..<max(outliersPerGroup, 0) {
            people.append((age(13...64), 1))
            people.append((age(65...100), 0))
        }
        for _ in 0..<max(typicalPerGroup, 0) {
            people.append((age(13...64), 0))
            people.append((age(65...100), 1))
        }
        var order = Array(people.indices)
        generator.shuffle(&order)
        let span = Float(ages.upperBound - ages.lowerBound)
        let samples = order.map { Float(people[$0].age - ages.lowerBound) / span }
        let labels = order.map { people[$0].label }
        return Data(
            samples: Tensor(shape: [samples.count, 1], scalars: samples), labels: Tensor(labels))
    }

    /// The notes' training set: 2100 people.
    public static func training(seed: UInt64 = 0) -> Data {
        make(outliersPerGroup: 50, typicalPerGroup: 1000, seed: seed)
    }

    /// The notes' test set: 420 people, drawn the same way with another seed.
    public static func test(seed: UInt64 = 0) -> Data {
        make(outliersPerGroup: 10, typicalPerGroup: 200, seed: seed &+ 1)
    }
}
