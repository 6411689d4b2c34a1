package tcpsim.scenario;

/** A process on a host that drives the socket API: a server or a set of clients. */
public sealed interface AppSpec permits ServerApp, ClientApp {

    /** The host it runs on. */
    String host();

    /** Virtual time of its first system call. */
    long startNanos();
}
