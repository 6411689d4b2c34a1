package tcpsim.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The tcpsim command line. */
@Command(name = "tcpsim", mixinStandardHelpOptions = true, version = "tcpsim " + tcpsim.Version.VERSION,
    description = "The Linux TCP connection lifecycle, modelled with Akka Typed actors.",
    subcommands = {RunCommand.class, ExploreCommand.class, ExploreMergeCommand.class, ReplayCommand.class,
        BenchCommand.class, tcpsim.packetdrill.PacketdrillCommand.class, tcpsim.fuzz.FuzzCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            // bad input is reported where it is found (exit 2); anything else is a bug: show it
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }
}
