package tcpsim.packetdrill.kernel;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc calls the kernel backend makes, Linux LP64 (x86-64, aarch64): {@code ssize_t} and
 * {@code size_t} are Java longs. Failures return -1; read the errno with {@code Native.getLastError()}
 * on the same thread, right after the call (JNA saves it per thread).
 *
 * <p>{@code fcntl} and {@code ioctl} are variadic in C; declaring the one integer or pointer
 * argument they take is how they are called on LP64 (no floating-point arguments).
 */
interface Libc extends Library {
    Libc C = Native.load("c", Libc.class);

    int geteuid();

    int open(String path, int flags);

    int close(int fd);

    long read(int fd, Pointer buf, long count);

    long write(int fd, Pointer buf, long count);

    int ioctl(int fd, long request, Pointer arg);

    int ioctl(int fd, long request, long arg);

    int fcntl(int fd, int cmd, long arg);

    int socket(int domain, int type, int protocol);

    int bind(int fd, Pointer addr, int addrlen);

    int listen(int fd, int backlog);

    int accept4(int fd, Pointer addr, IntByReference addrlen, int flags);

    int connect(int fd, Pointer addr, int addrlen);

    int shutdown(int fd, int how);

    long recv(int fd, Pointer buf, long len, int flags);

    long send(int fd, Pointer buf, long len, int flags);

    long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrlen);

    long recvfrom(int fd, Pointer buf, long len, int flags, Pointer addr, IntByReference addrlen);

    long sendmsg(int fd, Pointer msghdr, int flags);

    long recvmsg(int fd, Pointer msghdr, int flags);

    long readv(int fd, Pointer iov, int iovcnt);

    long writev(int fd, Pointer iov, int iovcnt);

    int setsockopt(int fd, int level, int optname, Pointer optval, int optlen);

    int getsockopt(int fd, int level, int optname, Pointer optval, IntByReference optlen);

    int poll(Pointer fds, long nfds, int timeout);

    int epoll_create(int size);

    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    String strerror(int errnum);

    /** The calling thread's kernel id (glibc 2.30+). */
    int gettid();

    /** {@code pid} 0 is the calling thread; {@code param} points to a {@code struct sched_param} (one int). */
    int sched_setscheduler(int pid, int policy, Pointer param);

    int sched_get_priority_min(int policy);
}
