package tcpsim.net;

import java.util.Optional;

/**
 * Race-injection switches: each removes one lock or ordering the kernel relies on, as the kernel was
 * before a historical fix (kernel-reference.md section 12.2), so the explorer can show it finds the
 * race. The faithful model runs with none. A scenario names them in {@code model.inject}; the
 * explorer's {@code --inject} adds them.
 */
public enum Inject {
    BHASH_RELEASED_BEFORE_EHASH_CHECK("bhash-released-before-ehash-check",
        "__inet_hash_connect drops the bhash bucket lock before __inet_check_established answers",
        "the bhash lock held across the ehash check (kernel-reference 12.2 item 5)",
        "simulations/races/connect-vs-bind.conf"),
    CHECK_ESTABLISHED_UNLOCKED("check-established-unlocked",
        "__inet_check_established checks the 4-tuple and inserts it in two steps, the ehash lock released between",
        "the ehash bucket lock over check and insert (kernel-reference 12.2 item 5)",
        "simulations/races/concurrent-connects.conf"),
    REQSK_QUEUE_ADD_NO_LISTEN_CHECK("reqsk-queue-add-no-listen-check",
        "inet_csk_reqsk_queue_add queues a child without re-checking TCP_LISTEN under rskq_lock",
        "the re-check and inet_child_forget in inet_csk_reqsk_queue_add (kernel-reference 12.2 item 8)",
        "simulations/races/accept-vs-listener-close.conf"),
    EHASH_INSERT_NO_OWN_REQ("ehash-insert-no-own-req",
        "inet_ehash_insert(child, req) inserts the child without checking that the request was still there (own_req)",
        "own_req / found_dup_sk in inet_ehash_insert (kernel-reference 12.2 item 4)",
        "simulations/races/duplicate-final-ack.conf"),
    REQSK_UNLINK_TIMER_PENDING("reqsk-unlink-timer-pending",
        "reqsk_queue_unlink stops the request timer only if timer_pending(), the pre-fix form",
        "CVE-2024-50154, \"tcp/dccp: Don't use timer_pending() in reqsk_queue_unlink()\" (kernel-reference 12.2 item 3)",
        "simulations/races/final-ack-vs-synack-timer.conf"),
    LISTEN_START_NO_REVALIDATE("listen-start-no-revalidate",
        "inet_csk_listen_start goes to LISTEN without get_port re-validating the bound port",
        "the get_port re-validation in inet_csk_listen_start (kernel-reference 12.2 item 1)",
        "simulations/races/listen-vs-bind.conf");

    /** The name scenario files and the command line use. */
    public final String key;
    /** What the switch removes. */
    public final String removes;
    /** The kernel mechanism or fix it stands for. */
    public final String standsFor;
    /** The race scenario that exposes it. */
    public final String scenario;

    Inject(String key, String removes, String standsFor, String scenario) {
        this.key = key;
        this.removes = removes;
        this.standsFor = standsFor;
        this.scenario = scenario;
    }

    public static Optional<Inject> byKey(String key) {
        for (Inject i : values()) if (i.key.equals(key)) return Optional.of(i);
        return Optional.empty();
    }

    @Override
    public String toString() {
        return key;
    }
}
