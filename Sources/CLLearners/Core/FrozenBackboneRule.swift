extension HyperparameterRule where Value == Bool {
    /// The rule of `train_base`: a pretrained backbone is frozen (learners see its cached
    /// features), so a learner that would first train it on the base task is an error, not
    /// a silent change of method.
    public static var untrainedPretrainedBackbone: Self {
        custom("false with a pretrained backbone") { trainBase, config in
            guard trainBase, config.backbone.isPretrained else { return nil }
            return "the pretrained backbone '\(config.backbone.kind)' is frozen: it cannot be trained on the base task "
                + "(set train_base: false)"
        }
    }
}
