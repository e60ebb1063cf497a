/// The descriptors a worker starts with, as the host passes them and the worker finds them.
public enum WorkerDescriptors {
    /// The socketpair end frames travel on.
    public static let socket: Int32 = 3
    /// The running-case page (a memfd; see ``RunningCase``), closed once mapped.
    public static let runningCase: Int32 = 4
    /// The read ends of the worker's own stdout and stderr pipes, emptied after each case.
    public static let stdoutReader: Int32 = 5
    public static let stderrReader: Int32 = 6
    /// The first descriptor the host does not pass: the worker closes it and every one above.
    public static let firstUnused: Int32 = 7
}
