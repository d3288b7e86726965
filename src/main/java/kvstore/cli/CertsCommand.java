package kvstore.cli;

import kvstore.security.CertificateAuthority;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code java -jar node.jar certs}: the cluster CA and the certificates of nodes and operators, in PEM, without openssl. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"Creates the cluster CA in --dir (once; kept afterwards) and a certificate and key for each NAME: a node id, or a",
        "client name for kvctl and operators. Files already there are kept. Each certificate is valid for NAME, localhost,",
        "127.0.0.1 and every --host, for 825 days; the CA for 10 years. Keep ca-key.pem secret: whoever has it can join the cluster."})
final class CertsCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = "certs", description = "Directory of the PEM files (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--host", description = "Another host name or IP address the certificates are valid for (repeatable)")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--cluster-name", defaultValue = "kvstore", description = "Name in the CA's subject (default: ${DEFAULT-VALUE})")
  String clusterName;

  @Parameters(arity = "0..*", paramLabel = "NAME", description = "Node ids to issue node certificates for; the name kvctl gets an operator's")
  List<String> names = new ArrayList<>();

  @Option(names = "--operator", paramLabel = "NAME", description = "Another operator to issue an operator's certificate for (repeatable)")
  List<String> operators = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    boolean hadCa = java.nio.file.Files.exists(dir.resolve(CertificateAuthority.CA_CERT));
    CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, clusterName);
    System.out.println((hadCa ? "using the cluster CA " : "created the cluster CA ") + dir.resolve(CertificateAuthority.CA_CERT));
    List<String> all = new ArrayList<>(names);
    all.addAll(operators);
    for (String name : all) {
      CertificateAuthority.Role role = operators.contains(name) || name.equals("kvctl")
          ? CertificateAuthority.Role.OPERATOR : CertificateAuthority.Role.NODE;
      Set<String> valid = new LinkedHashSet<>(List.of(name, "localhost", "127.0.0.1"));
      valid.addAll(hosts);
      boolean made = ca.issue(name, new ArrayList<>(valid), role);
      System.out.println((made ? "issued " : "kept ") + ca.certFile(name) + " and " + ca.keyFile(name)
          + (made ? " (" + role.ou + "; valid for " + String.join(", ", valid) + ")" : ""));
    }
    return 0;
  }

  static int run(String... args) {
    CommandLine cmd = new CommandLine(new CertsCommand());
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("certs failed: " + ex.getMessage());
      return 1;
    });
    return cmd.execute(args);
  }
}
