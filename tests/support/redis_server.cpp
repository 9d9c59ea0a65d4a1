#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

extern char** environ;

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
  // Its start-up banner goes to /dev/null; warnings still reach stderr.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawnp(&pid_, "redis-server", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start redis-server");
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
