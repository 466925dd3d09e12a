"""Ruby with Bundler: Rails (config/puma.rb, the /up health route), Sinatra, or a Rack app
(config.ru); the port from puma's config, `set :port` or the framework's default."""

from __future__ import annotations

import re
from pathlib import Path

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    find_port,
    read_all,
    reads_port_env,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

_DEFAULT_PORTS = {"rails": 3000, "sinatra": 4567, "rack": 9292}
_PORTS = (
    re.compile(r"""port\s+ENV\.fetch\(\s*["']PORT["']\s*\)\s*\{\s*(\d{2,5})"""),
    re.compile(r"""ENV\.fetch\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})"""),
    re.compile(r"""set\s+:port\s*,\s*(\d{2,5})"""),
    re.compile(r"""^\s*port\s+(\d{2,5})""", re.M),
)
# Rails routes name no leading slash: get "up" => "rails/health#show"
_RAILS_ROUTE = re.compile(r"""\bget\s+["'](/?[\w/-]+)["']""")
_GEM = re.compile(r"""^\s*gem\s+["']([\w-]+)["']""", re.M)
_RUBY_VERSION = re.compile(r"""^\s*ruby\s+["'](\d+\.\d+)""", re.M)


def detect_ruby(workspace: Path, hints: Hints) -> Stack | None:
    gemfile = workspace / "Gemfile"
    if not gemfile.is_file():
        return None
    text = gemfile.read_text(encoding="utf-8", errors="replace")
    gems = set(_GEM.findall(text))
    stack = Stack(kind="ruby", app_name=dns_label(workspace.resolve().name) or "app")
    stack.package_manager = "bundler"
    stack.lockfile = "Gemfile.lock" if (workspace / "Gemfile.lock").is_file() else ""
    if "rails" in gems:
        stack.framework = "rails"
    elif "sinatra" in gems:
        stack.framework = "sinatra"
    elif (workspace / "config.ru").is_file():
        stack.framework = "rack"
    stack.server = "puma" if "puma" in gems else ("rackup" if "rackup" in gems else "")
    version = _RUBY_VERSION.search(text)
    stack.language_version = version.group(1) if version else "3.3"
    sources = read_all(source_files(workspace, (".rb", ".ru")))
    stack.port_from_env = reads_port_env(sources) or "ENV.fetch" in " ".join(t for _, t in sources)
    port = find_port(sources, _PORTS)
    if port is not None:
        stack.port, stack.port_source = port, "code"
    elif stack.framework:
        stack.port, stack.port_source = _DEFAULT_PORTS[stack.framework], "framework"
    routes = ["/" + m.group(1).lstrip("/") for _, t in sources for m in _RAILS_ROUTE.finditer(t)]
    named = [(Path("routes.rb"), " ".join(f'"{r}"' for r in routes))]
    health = find_health_path(named) or find_health_path(sources)
    if health:
        stack.health_path, stack.health_source = health, "code"
    stack.entry = "config.ru" if (workspace / "config.ru").is_file() else "app.rb"
    has_specs = (workspace / "spec").is_dir()
    stack.test_command = "bundle exec rspec" if has_specs else ""
    if stack.framework == "rails" and (workspace / "test").is_dir():
        stack.test_command = "bin/rails test"
    stack.lint_command = "bundle exec rubocop" if "rubocop" in gems else ""
    return stack


DETECTOR = StackDetector(
    detect=detect_ruby, priority=6, kind="ruby", aliases=("rails", "sinatra", "rack")
)
