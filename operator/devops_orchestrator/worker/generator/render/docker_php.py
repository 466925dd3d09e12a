"""PHP: Composer installs the production dependencies in its own stage (cached); Apache
with mod_php serves the document root on an unprivileged port as `www-data`, its run
files under /tmp so the root filesystem may be read-only."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    header,
    health_url,
    serving_lines,
)
from devops_orchestrator.worker.generator.stack import Stack

COMPOSER_IMAGE = "composer:2.8"
WWW_DATA_UID = 33  # the image's own web user


def php_image(stack: Stack) -> str:
    return f"php:{stack.language_version or '8.3'}-apache-bookworm"


def render_php_dockerfile(stack: Stack) -> DockerfilePlan:
    image = php_image(stack)
    root = "/var/www/html" + ("" if stack.entry in ("", ".") else f"/{stack.entry}")
    lock = " composer.lock" if stack.lockfile else ""
    probe = (
        ["php", "-r", f"exit(@file_get_contents('{health_url(stack)}') === false ? 1 : 0);"]
        if stack.health_path
        else []
    )
    apache = (
        f"RUN sed -ri 's/Listen 80$/Listen {stack.port}/' /etc/apache2/ports.conf && \\\n"
        f"    sed -ri 's#<VirtualHost \\*:80>#<VirtualHost *:{stack.port}>#; "
        f"s#DocumentRoot /var/www/html#DocumentRoot {root}#' "
        "/etc/apache2/sites-available/000-default.conf && \\\n"
        "    a2enmod rewrite\n"
    )
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# PHP {stack.label}: Composer dependencies in their own stage; Apache (mod_php) as\n",
        "# www-data on an unprivileged port.\n",
        f"FROM {COMPOSER_IMAGE} AS vendor\n",
        "WORKDIR /app\n",
        f"COPY composer.json{lock} ./\n",
        "RUN --mount=type=cache,target=/tmp/cache composer install --no-dev --no-interaction "
        "--no-scripts --no-autoloader --prefer-dist\n",
        "COPY . .\n",
        "RUN composer dump-autoload --no-dev --optimize --classmap-authoritative\n",
        f"\nFROM {image} AS runtime\n",
        "ENV APACHE_RUN_DIR=/tmp/apache2 APACHE_PID_FILE=/tmp/apache2/apache2.pid "
        "APACHE_LOCK_DIR=/tmp/apache2\n",
        apache,
        "WORKDIR /var/www/html\n",
        "COPY --from=vendor --chown=www-data:www-data /app /var/www/html\n",
    ]
    lines += serving_lines(stack, f"{WWW_DATA_UID}:{WWW_DATA_UID}", probe, f"PORT={stack.port}")
    lines.append('CMD ["apache2-foreground"]\n')
    return DockerfilePlan(
        "".join(lines),
        image,
        COMPOSER_IMAGE,
        WWW_DATA_UID,
        healthcheck=bool(probe),
        probe=probe,
    )


def php_ci(stack: Stack) -> CiCommands:
    return CiCommands(
        setup=[
            {
                "name": "Set up PHP",
                "uses": "shivammathur/setup-php@v2",
                "with": {"php-version": stack.language_version or "8.3", "tools": "composer:v2"},
            }
        ],
        image=COMPOSER_IMAGE,
        install=stack.build_command,
        lint=[stack.lint_command],
        test=stack.test_command,
    )


RENDERER = StackRenderer(
    kinds=("php",),
    dockerfile=render_php_dockerfile,
    ci=php_ci,
    dockerignore=("# PHP", "vendor", "node_modules", "storage/logs", "*.log", ".phpunit.cache"),
)
