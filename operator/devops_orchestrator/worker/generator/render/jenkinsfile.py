"""`Jenkinsfile` (declarative): checks, image build and push, deploy on the main branch,
credentials from the Jenkins credentials store."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.ci_stack import CiCommands
from devops_orchestrator.worker.generator.render.common import header
from devops_orchestrator.worker.generator.render.github_actions import PipelinePlan
from devops_orchestrator.worker.generator.stack import Stack


def _sh(command: str) -> str:
    escaped = command.replace("\\", "\\\\").replace("'", "\\'")
    return (
        f"                sh '{escaped}'\n"
        if "\n" not in command
        else ("".join(_sh(line) for line in command.splitlines() if line.strip()))
    )


def _stage(name: str, body: str, when_main: bool = False) -> str:
    when = "            when { branch 'main' }\n" if when_main else ""
    return (
        f"        stage('{name}') {{\n{when}"
        f"            steps {{\n{body}            }}\n"
        "        }\n"
    )


def render_jenkinsfile(
    stack: Stack, commands: CiCommands, plan: PipelinePlan
) -> tuple[str, list[str], list[str]]:
    stages: list[tuple[str, str]] = []

    def sh(command: str) -> str:  # in a monorepo, in the service's folder
        lines = command.splitlines()
        return _sh("\n".join(f"cd {stack.root} && {x}" for x in lines) if stack.root else command)

    checks = "".join(sh(c) for c in [commands.install, *commands.lint] if c)
    if checks:
        stages.append(("Lint", checks))
    if commands.test:
        stages.append(("Test", sh(commands.test)))
    if commands.build:
        stages.append(("Build", sh(commands.build)))
    image = (
        "                withCredentials([usernamePassword(credentialsId: 'registry-credentials',"
        " usernameVariable: 'REGISTRY_USER', passwordVariable: 'REGISTRY_PASSWORD')]) {\n"
        f'                    sh \'echo "$REGISTRY_PASSWORD" | docker login -u "$REGISTRY_USER"'
        f" --password-stdin {plan.registry}'\n"
        "                }\n"
        f"                sh 'docker build -t \"$IMAGE:$GIT_COMMIT\" {stack.root or '.'}'\n"
        "                sh 'docker push \"$IMAGE:$GIT_COMMIT\"'\n"
    )
    text = [
        header("//"),
        "pipeline {\n",
        "    agent any\n",
        "    options { timeout(time: 30, unit: 'MINUTES') }\n",
        f"    environment {{\n        IMAGE = '{plan.repository}'\n    }}\n",
        "    stages {\n",
    ]
    text += [_stage(name, body) for name, body in stages]
    text.append(_stage("Image", image, when_main=True))
    names = [name for name, _ in stages] + ["Image"]
    secrets = ["registry-credentials"]
    if plan.deploy:
        namespace = f" --namespace {plan.namespace}" if plan.namespace else ""
        app = stack.app_name
        deploy = (
            "                withCredentials([file(credentialsId: 'kubeconfig', "
            "variable: 'KUBECONFIG')]) {\n"
            "                    sh 'kubectl apply -k k8s'\n"
            f"                    sh 'kubectl{namespace} set image deployment/{app} "
            f'{app}="$IMAGE:$GIT_COMMIT"\'\n'
            f"                    sh 'kubectl{namespace} rollout status deployment/{app} "
            "--timeout=180s'\n"
            "                }\n"
        )
        text.append(_stage("Deploy", deploy, when_main=True))
        names.append("Deploy")
        secrets.append("kubeconfig")
    text += ["    }\n", "    post {\n        always { cleanWs() }\n    }\n", "}\n"]
    return "".join(text), names, secrets
