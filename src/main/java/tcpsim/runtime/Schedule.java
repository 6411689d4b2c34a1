package tcpsim.runtime;

import java.util.Arrays;

/**
 * A schedule as its choices: for every scheduling point that had a choice, the index picked among the
 * ready items (in the order they became ready) and how many there were. Replaying the same choices on
 * the same scenario and seed gives the same run, byte for byte. Compact: two small ints a choice.
 */
public final class Schedule {
    /** The owner key of a virtual-time task falling due (a timer), as a {@link Chooser} sees it. */
    public static final Object TIMER = new Object() {
        @Override public String toString() { return "timer"; }
    };

    private int[] picks = new int[64];
    private int[] options = new int[64];
    private int size;

    public Schedule() {}

    /** A schedule of {@code picks}, each among {@code options} (same length). */
    public Schedule(int[] picks, int[] options) {
        if (picks.length != options.length) throw new IllegalArgumentException("picks and options differ in length");
        this.picks = picks.clone();
        this.options = options.clone();
        this.size = picks.length;
    }

    void add(int pick, int of) {
        if (size == picks.length) {
            picks = Arrays.copyOf(picks, size * 2);
            options = Arrays.copyOf(options, size * 2);
        }
        picks[size] = pick;
        options[size] = of;
        size++;
    }

    public int size() {
        return size;
    }

    public int pick(int i) {
        return picks[i];
    }

    public int options(int i) {
        return options[i];
    }

    public int[] picks() {
        return Arrays.copyOf(picks, size);
    }

    public int[] optionCounts() {
        return Arrays.copyOf(options, size);
    }

    /** The choices as text: "pick/of" separated by spaces, the form replay files keep. */
    public String encode() {
        StringBuilder b = new StringBuilder(size * 4);
        for (int i = 0; i < size; i++) {
            if (i > 0) b.append(' ');
            b.append(picks[i]).append('/').append(options[i]);
        }
        return b.toString();
    }

    /** The inverse of {@link #encode}; IllegalArgumentException naming the bad token. */
    public static Schedule decode(String text) {
        Schedule s = new Schedule();
        if (text.isBlank()) return s;
        for (String tok : text.trim().split("\\s+")) {
            int slash = tok.indexOf('/');
            try {
                if (slash < 0) throw new NumberFormatException();
                int pick = Integer.parseInt(tok.substring(0, slash)), of = Integer.parseInt(tok.substring(slash + 1));
                if (of < 2 || pick < 0 || pick >= of) throw new NumberFormatException();
                s.add(pick, of);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad choice '" + tok + "' (expected PICK/OF with 0 <= PICK < OF, OF >= 2)");
            }
        }
        return s;
    }

    /** A 64-bit hash of the choices (FNV-1a): schedules with equal hashes ran the same interleaving. */
    public long hash() {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < size; i++) {
            h = (h ^ picks[i]) * 0x100000001b3L;
            h = (h ^ options[i]) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public String toString() {
        return size + " choices";
    }
}
