#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace sockio::test {

namespace {

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::uint16_t redis_server::free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

redis_server::redis_server(std::vector<std::string> extra, std::uint16_t port)
    : extra_(std::move(extra)), port_(port ? port : free_port()) {
  start();
}

redis_server::~redis_server() {
  kill();
}

void redis_server::start() {
  std::vector<std::string> args{"redis-server", "--bind", "127.0.0.1",  "--port", std::to_string(port_), "--save", "",
                                "--appendonly", "no",     "--loglevel", "warning"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Its start-up banner goes to /dev/null; warnings still reach stderr. fork + exec: the
  // server asks to be killed with this process, so a crashed test leaves none behind.
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("cannot start redis-server");
  // A TLS-only server listens on its TLS port: the caller waits for it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!accepts(port_)) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("redis-server did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void redis_server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void redis_server::restart() {
  kill();
  start();
}

void redis_server::pause() {
  ::kill(pid_, SIGSTOP);
}

void redis_server::resume() {
  ::kill(pid_, SIGCONT);
}

}  // namespace sockio::test
