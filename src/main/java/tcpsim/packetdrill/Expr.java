package tcpsim.packetdrill;

import java.util.List;

/**
 * A system call argument or result as written in the script, before symbols are resolved: the
 * expression forms of parser.y ({@code expression}, {@code array}, {@code sub_expr_list}, the
 * pollfd, linger, sockaddr, msghdr and iovec literals) in one generic shape.
 */
public sealed interface Expr {
    /** A decimal or hex literal. */
    record Int(long value) implements Expr {}

    /** A symbolic constant such as {@code SOCK_STREAM}, or {@code NULL}. */
    record Word(String name) implements Expr {}

    /** {@code ...} */
    record Ellipsis() implements Expr {}

    /** A string literal, escapes not yet decoded; adjacent literals are concatenated. */
    record Str(String raw) implements Expr {}

    /** {@code a|b}: bitwise or. */
    record Or(Expr left, Expr right) implements Expr {}

    /** {@code [1]}, {@code [{fd=3, events=POLLIN}]}. */
    record ListOf(List<Expr> items) implements Expr {
        public ListOf { items = List.copyOf(items); }
    }

    /** {@code {onoff=1, linger=0}}, {@code {..., 1000}}: fields, named or positional, in order. */
    record StructOf(List<Expr> items) implements Expr {
        public StructOf { items = List.copyOf(items); }
    }

    /** {@code htons(8080)}, {@code inet_addr("192.0.2.1")}. */
    record Call(String function, List<Expr> args) implements Expr {
        public Call { args = List.copyOf(args); }
    }

    /** {@code name=value} or {@code msg_iov(1)=[...]}: a named field, with optional parameters. */
    record Named(String name, List<Expr> params, Expr value) implements Expr {
        public Named { params = List.copyOf(params); }
    }
}
