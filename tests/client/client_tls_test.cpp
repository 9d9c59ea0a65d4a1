// The C++ client over https/wss: certificates and host names verified by default.
#include <cstdlib>
#include <filesystem>

#include "client_test_util.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::test {
namespace {

namespace fs = std::filesystem;

/// Certificates made with openssl in a directory of the test's own: a CA, a server
/// certificate for "localhost" only signed by it, and an unrelated CA.
struct certificates {
  certificates() : dir(fs::temp_directory_path() / ("sockio-client-tls-" + codec::random_id(8))) {
    fs::create_directories(dir);
    const auto d = dir.string();
    const std::string quiet = " >/dev/null 2>&1";
    const auto run = [&](const std::string& cmd) {
      if (std::system(("cd " + d + " && " + cmd + quiet).c_str()) != 0) throw std::runtime_error("openssl: " + cmd);
    };
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + ec + " -days 1 -subj '/CN=sockio test CA' -keyout ca.key -out ca.pem");
    run("openssl req -x509 " + ec + " -days 1 -subj '/CN=other CA' -keyout other.key -out other.pem");
    run("openssl req " + ec + " -subj /CN=localhost -keyout server.key -out server.csr");
    run("printf 'subjectAltName=DNS:localhost\\n' > san.cnf");
    run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.cnf "
        "-out server.pem -sha256");
  }
  ~certificates() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string file(const char* name) const { return (dir / name).string(); }

  fs::path dir;
};

class ClientTls : public ::testing::TestWithParam<std::tuple<peer_kind, transport_mode>> {
 protected:
  static void SetUpTestSuite() { certs = new certificates(); }
  static void TearDownTestSuite() {
    delete certs;
    certs = nullptr;
  }
  void SetUp() override {
    peer = start_peer(std::get<0>(GetParam()),
                      {"--tls-cert", certs->file("server.pem"), "--tls-key", certs->file("server.key")});
  }

  /// Connects to `host` with `ca` and returns the first connect or connect_error line.
  std::string attempt(const std::string& host, client::tls_options tls) {
    auto o = options_for(std::get<1>(GetParam()));
    o.reconnection = false;
    o.timeout = 15s;  // a refusal comes at once; a loaded machine may take long to connect
    o.tls = std::move(tls);
    event_log log;  // before the manager, whose handlers write to it
    client::manager io("https://" + host + ":" + std::to_string(peer->port()), o);
    auto s = io.socket();
    record(s, log);
    // Either line comes within the 15 s handshake timeout; the margin is for a CI machine
    // that once took longer (seen once, not reproduced under load).
    const auto first = log.wait_prefix("connect", 45s);
    if (first == "connect") {
      auto [ec, reply] = call(s, "echo", json::array({"over TLS"}));
      EXPECT_FALSE(ec);
      EXPECT_EQ(reply, json::array({"over TLS"}));
    }
    return first;
  }

  static certificates* certs;
  std::unique_ptr<peer_process> peer;
};

certificates* ClientTls::certs = nullptr;

TEST_P(ClientTls, ATrustedCertificateForTheHostConnects) {
  EXPECT_EQ(attempt("localhost", {.ca_file = certs->file("ca.pem")}), "connect");
}

TEST_P(ClientTls, AnUnknownAuthorityIsRefused) {
  const auto line = attempt("localhost", {.ca_file = certs->file("other.pem")});
  EXPECT_TRUE(line.starts_with("connect_error:")) << line;
  EXPECT_NE(line.find("certificate verify failed"), std::string::npos) << line;
  // The system's authorities do not know the test CA either.
  const auto system = attempt("localhost", {});
  EXPECT_NE(system.find("certificate verify failed"), std::string::npos) << system;
}

TEST_P(ClientTls, AnotherHostNameIsRefused) {
  // The certificate names "localhost" only.
  const auto line = attempt("127.0.0.1", {.ca_file = certs->file("ca.pem")});
  EXPECT_TRUE(line.starts_with("connect_error:")) << line;
  EXPECT_NE(line.find("certificate verify failed"), std::string::npos) << line;
}

TEST_P(ClientTls, InsecureIsAnExplicitChoice) {
  EXPECT_EQ(attempt("127.0.0.1", {.ca_file = certs->file("other.pem"), .insecure = true}), "connect");
}

std::string tls_name(const ::testing::TestParamInfo<std::tuple<peer_kind, transport_mode>>& info) {
  return std::string(name_of(std::get<0>(info.param))) + "_" + name_of(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Peers, ClientTls,
                         ::testing::Combine(::testing::Values(peer_kind::sockio, peer_kind::node),
                                            ::testing::Values(transport_mode::polling, transport_mode::websocket)),
                         tls_name);

}  // namespace
}  // namespace sockio::test
