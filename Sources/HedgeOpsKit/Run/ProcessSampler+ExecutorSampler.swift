/// The /proc sampler is the supervisor's real one.
extension ProcessSampler: ExecutorSampler {}
