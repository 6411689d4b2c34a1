package tcpsim.bench.kernel;

/** How the kernel reference drives its loopback sockets; the same loop shape each way. */
public enum ReferenceMethod {
    JAVA("java", "Java sockets (JDK 17 NIO, blocking)"),
    JNA("jna", "libc calls through JNA"),
    C("c", "C, gcc -O2, pthreads");

    private final String key;
    private final String label;

    ReferenceMethod(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The name in JSON and in the worker protocol. */
    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    static ReferenceMethod ofKey(String key) {
        for (ReferenceMethod m : values()) if (m.key.equals(key)) return m;
        throw new IllegalArgumentException("unknown method " + key);
    }
}
