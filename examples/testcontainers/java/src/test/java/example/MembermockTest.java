// Testcontainers for Java (JUnit 5): `mvn -q test`, MEMBERMOCK_IMAGE naming the image.
// The in-memory trust store below was run against the mock; the Testcontainers part was not run
// in this project's CI, which cannot reach Maven Central.
package example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

@Testcontainers
class MembermockTest {
    @Container
    static final GenericContainer<?> MEMBERMOCK =
        new GenericContainer<>(DockerImageName.parse(System.getenv().getOrDefault("MEMBERMOCK_IMAGE", "membermock")))
            .withExposedPorts(8080, 8443)
            .waitingFor(Wait.forHealthcheck());

    static String http() {
        return "http://" + MEMBERMOCK.getHost() + ":" + MEMBERMOCK.getMappedPort(8080);
    }

    static String https() {
        return "https://" + MEMBERMOCK.getHost() + ":" + MEMBERMOCK.getMappedPort(8443);
    }

    /** An HttpClient that trusts the certificate the mock serves (what keytool -importcert does, in memory). */
    static HttpClient trustingClient() throws Exception {
        HttpClient plain = HttpClient.newHttpClient();
        byte[] pem = plain.send(HttpRequest.newBuilder(URI.create(http() + "/_mock/tls/cert.pem")).build(),
            HttpResponse.BodyHandlers.ofByteArray()).body();
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("membermock",
            CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    @Test
    void smarterUAnswersOverHttpsTrustingTheServedCertificate() throws Exception {
        String pkg = "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>"
            + "<Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
        HttpRequest request = HttpRequest.newBuilder(URI.create(https() + "/apiv2/"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("Package=" + URLEncoder.encode(pkg, StandardCharsets.UTF_8)))
            .build();
        String body = trustingClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(body.contains("<Result>Success</Result>"), body);
    }
}
