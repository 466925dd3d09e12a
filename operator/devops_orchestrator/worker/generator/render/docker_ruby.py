"""Ruby: gems installed by Bundler (cached) on the full Ruby image, which has the
compilers native gems need; the slim runtime gets the bundle and the code, as a non-root
user. Rails, Sinatra and Rack apps run with puma (or rackup)."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    exec_form,
    header,
    health_url,
    serving_lines,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001


def ruby_version(stack: Stack) -> str:
    return ".".join((stack.language_version or "3.3").split(".")[:2])


def ruby_command(stack: Stack) -> list[str]:
    port = str(stack.port)
    if stack.framework == "rails":
        return ["bundle", "exec", "rails", "server", "-b", "0.0.0.0", "-p", port]
    if stack.server == "puma" or stack.entry == "config.ru":
        if stack.server == "puma":
            return ["bundle", "exec", "puma", "-b", f"tcp://0.0.0.0:{port}", stack.entry]
        return ["bundle", "exec", "rackup", "-o", "0.0.0.0", "-p", port, stack.entry]
    return ["bundle", "exec", "ruby", stack.entry, "-o", "0.0.0.0", "-p", port]


def render_ruby_dockerfile(stack: Stack) -> DockerfilePlan:
    version = ruby_version(stack)
    build, runtime = f"ruby:{version}-bookworm", f"ruby:{version}-slim-bookworm"
    lock = " Gemfile.lock" if stack.lockfile else ""
    probe = (
        [
            "ruby",
            "-rnet/http",
            "-e",
            f"exit Net::HTTP.get_response(URI('{health_url(stack)}')).is_a?(Net::HTTPSuccess)",
        ]
        if stack.health_path
        else []
    )
    rails = stack.framework == "rails"
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Ruby {stack.label}: gems built on the full image (compilers for native gems),\n",
        "# run on the slim image as a non-root user.\n",
        f"FROM {build} AS build\n",
        "ENV BUNDLE_WITHOUT=development:test BUNDLE_DEPLOYMENT=1 BUNDLE_PATH=/usr/local/bundle\n",
        "WORKDIR /app\n",
        f"COPY Gemfile{lock} ./\n",
        "RUN --mount=type=cache,target=/root/.cache/bundle bundle install --jobs 4\n",
        "COPY . .\n",
    ]
    if rails:
        lines.append("RUN SECRET_KEY_BASE_DUMMY=1 bundle exec rails assets:precompile || true\n")
    lines += [
        f"\nFROM {runtime} AS runtime\n",
        "ENV BUNDLE_WITHOUT=development:test BUNDLE_DEPLOYMENT=1 BUNDLE_PATH=/usr/local/bundle"
        + (" RAILS_ENV=production RAILS_LOG_TO_STDOUT=1" if rails else " RACK_ENV=production")
        + "\n",
        f"RUN useradd --system --uid {APP_UID} --no-create-home --shell /usr/sbin/nologin app\n",
        "WORKDIR /app\n",
        "COPY --from=build /usr/local/bundle /usr/local/bundle\n",
        "COPY --from=build /app /app\n",
    ]
    lines += serving_lines(stack, str(APP_UID), probe, f"PORT={stack.port}")
    lines.append(f"CMD {exec_form(ruby_command(stack))}\n")
    return DockerfilePlan(
        "".join(lines), runtime, build, APP_UID, healthcheck=bool(probe), probe=probe
    )


def ruby_ci(stack: Stack) -> CiCommands:
    return CiCommands(
        setup=[
            {
                "name": "Set up Ruby",
                "uses": "ruby/setup-ruby@v1",
                "with": {"ruby-version": ruby_version(stack), "bundler-cache": True},
            }
        ],
        image=f"ruby:{ruby_version(stack)}-bookworm",
        install="bundle install",
        lint=[stack.lint_command] if stack.lint_command else [],
        test=stack.test_command,
    )


RENDERER = StackRenderer(
    kinds=("ruby",),
    dockerfile=render_ruby_dockerfile,
    ci=ruby_ci,
    dockerignore=("# Ruby", ".bundle", "vendor/bundle", "log", "tmp", "coverage", "spec/reports"),
)
