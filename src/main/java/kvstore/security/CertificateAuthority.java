package kvstore.security;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A cluster CA kept as two PEM files in a directory ({@code ca.pem}, {@code ca-key.pem}), and the
 * node and client certificates it signs ({@code NAME.pem}, {@code NAME-key.pem}). EC P-256 keys,
 * signed directly by the CA (no intermediates), each usable for both TLS server and client auth.
 * Key files are written owner-only.
 */
public final class CertificateAuthority {
  public static final String CA_CERT = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration LEAF_LIFETIME = Duration.ofDays(825);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate caCert;
  private final PrivateKey caKey;

  private CertificateAuthority(Path dir, X509Certificate caCert, PrivateKey caKey) {
    this.dir = dir;
    this.caCert = caCert;
    this.caKey = caKey;
  }

  /** The CA in {@code dir}, created there first when {@code dir} has none. */
  public static CertificateAuthority openOrCreate(Path dir, String clusterName) throws IOException {
    Path cert = dir.resolve(CA_CERT);
    Path key = dir.resolve(CA_KEY);
    if (Files.exists(cert) && Files.exists(key)) {
      return new CertificateAuthority(dir, ClusterTls.readCertificate(cert.toString(), CA_CERT), readKey(key));
    }
    if (Files.exists(cert) || Files.exists(key)) {
      throw new IOException(dir + " holds only one of " + CA_CERT + " and " + CA_KEY + "; restore the other or remove both");
    }
    Files.createDirectories(dir);
    KeyPair pair = newKeyPair();
    X500Name name = new X500Name("CN=" + clusterName + " cluster CA");
    Instant now = Instant.now();
    try {
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(CA_LIFETIME)), name, pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate ca = sign(b, pair.getPrivate());
      writePem(cert, ca, false);
      writePem(key, pair.getPrivate(), true);
      return new CertificateAuthority(dir, ca, pair.getPrivate());
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot create the cluster CA: " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  public Path certFile(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path keyFile(String name) {
    return dir.resolve(name + "-key.pem");
  }

  /**
   * What a certificate may do, written in its subject's OU: a node's serves and calls peers; an
   * operator's (kvctl, the console's actions) is a client certificate only, and the one kind that
   * drives operator actions (repair, decommission, removenode, cleanup).
   */
  public enum Role {
    NODE("node"), OPERATOR("operator");

    public final String ou;

    Role(String ou) {
      this.ou = ou;
    }
  }

  /** {@link #issue(String, List, Role)} for a node. */
  public boolean issue(String name, List<String> hosts) throws IOException {
    return issue(name, hosts, Role.NODE);
  }

  /**
   * Issues {@code NAME.pem} and {@code NAME-key.pem} for a node or operator called {@code name},
   * valid for the given host names and IP addresses (servers), unless both files exist already.
   * Returns false when they did.
   */
  public boolean issue(String name, List<String> hosts, Role role) throws IOException {
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IOException("certificate name '" + name + "' must be 1..64 letters, digits, '.', '_' or '-'");
    }
    if (Files.exists(certFile(name)) && Files.exists(keyFile(name))) {
      return false;
    }
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    try {
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(LEAF_LIFETIME)), new X500Name("CN=" + name + ",OU=" + role.ou), pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(role == Role.NODE ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}
              : new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      List<GeneralName> names = new ArrayList<>();
      for (String h : hosts) {
        names.add(isIp(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
      }
      if (!names.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
      }
      X509Certificate leaf = sign(b, caKey);
      writePem(keyFile(name), pair.getPrivate(), true);
      writePem(certFile(name), leaf, false);
      return true;
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  private static boolean isIp(String h) {
    if (!h.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
      return false;
    }
    try {
      InetAddress.getByName(h);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IOException("cannot generate an EC P-256 key: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
    X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  /** PEM by hand: the DER of a certificate, or of a key as PKCS#8 ("PRIVATE KEY"), the form Vert.x's PEM key options read. */
  private static void writePem(Path file, Object o, boolean secret) throws IOException {
    String type;
    byte[] der;
    try {
      if (o instanceof PrivateKey k) {
        type = "PRIVATE KEY";
        der = k.getEncoded();
      } else {
        type = "CERTIFICATE";
        der = ((X509Certificate) o).getEncoded();
      }
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IOException("cannot encode " + file + ": " + e.getMessage(), e);
    }
    String pem = "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret) {
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        // a file system without POSIX permissions (Windows, some mounts): owner-only the portable way
        java.io.File f = Files.createFile(tmp).toFile();
        boolean restricted = f.setReadable(false, false) & f.setReadable(true, true)
            & f.setWritable(false, false) & f.setWritable(true, true);
        if (!restricted) {
          throw new IOException("cannot make " + tmp + " readable by its owner only; not writing a private key there");
        }
      }
    }
    Files.writeString(tmp, pem);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static PrivateKey readKey(Path file) throws IOException {
    String text = Files.readString(file);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int finish = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || finish < begin) {
      throw new IOException(file + " is not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, finish));
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (Exception e) {
      throw new IOException(file + " is not an EC private key: " + e.getMessage(), e);
    }
  }
}
