"""DevOps tasks as people and the agent network write them, with the workers (in plan
order) a DevOps engineer would pick. Sources: the network's own examples (PROTOCOL.md,
issue 12), issue and pull-request titles of public repositories, and job-post duties.

Each row: (description, requirements, context, expected workers in plan order)."""

from __future__ import annotations

from typing import Any

D, C, I = "docker-worker", "ci-worker", "infra-worker"  # noqa: E741
DIC = (D, I, C)

Row = tuple[str, list[str], dict[str, Any], tuple[str, ...]]

NETWORK_CONTEXT = {"project_type": "nodejs", "cloud_provider": "aws", "workspace": "/workspace"}

# The "Done when" examples of issue 12: these must all pass.
DONE_WHEN: list[Row] = [
    ("Set up complete deployment pipeline for the application", [], {}, DIC),
    ("Implement Kubernetes deployment with CI/CD", [], {}, DIC),
    ("Create containerized deployment for the application with automated CI/CD", [], {}, DIC),
    ("Create a production Dockerfile for this Node.js app", [], {}, (D,)),
    ("Add a Jenkins pipeline that runs the tests", [], {}, (C,)),
    ("Write a haiku about autumn leaves", [], {}, ()),
]

NETWORK: list[Row] = [
    (
        "Set up complete deployment pipeline for the application",
        ["Multi-stage build", "Non-root user"],
        NETWORK_CONTEXT,
        DIC,
    ),
    ("Containerize the Node.js application", ["Node.js version: 20", "Port: 3000"], {}, (D,)),
    ("Set up CI/CD for the project", [], {"project_type": "python"}, (C,)),
    ("Deploy the application to AWS", [], {"project_type": "nodejs"}, (D, I)),
    ("Create infrastructure for the application", [], NETWORK_CONTEXT, (I,)),
]

ISSUE_TITLES: list[Row] = [
    ("Dockerize the Flask API", [], {}, (D,)),
    ("Containerize our Spring Boot service", [], {}, (D,)),
    ("Containerise the legacy PHP application", [], {}, (D,)),
    ("Add docker-compose.yml for local development with Postgres and Redis", [], {}, (D,)),
    ("Reduce Docker image size with a multi-stage build", [], {}, (D,)),
    ("Run the container as a non-root user", [], {}, (D,)),
    ("Add a HEALTHCHECK to the Dockerfile", [], {}, (D,)),
    ("Docker build fails on Apple Silicon (arm64)", [], {}, (D,)),
    ("Add a .dockerignore to speed up builds", [], {}, (D,)),
    ("Pin the base image to a version instead of latest", [], {}, (D,)),
    ("Compose file for the Django app, Celery worker and Redis", [], {}, (D,)),
    ("Package the Go binary in a distroless image", [], {}, (D,)),
    ("Publish the Docker image to GitHub Container Registry", [], {}, (D,)),
    ("Provide an official Docker image", [], {}, (D,)),
    ("Use named volumes for the Postgres data in compose", [], {}, (D,)),
    ("Add GitHub Actions workflow to run pytest on every pull request", [], {}, (C,)),
    ("Set up GitLab CI for linting and unit tests", [], {}, (C,)),
    ("Migrate CI from Travis to GitHub Actions", [], {}, (C,)),
    ("Cache npm dependencies in the CI pipeline", [], {}, (C,)),
    ("Run ESLint and the unit tests on every pull request", [], {}, (C,)),
    ("Add a Jenkinsfile for the Maven project", [], {}, (C,)),
    ("Set up continuous integration for the monorepo", [], {}, (C,)),
    ("Add code coverage reporting to CI", [], {}, (C,)),
    ("Nightly build and test workflow", [], {}, (C,)),
    ("Make the pipeline fail when linting fails", [], {}, (C,)),
    ("Add a matrix build for Python 3.10, 3.11 and 3.12", [], {}, (C,)),
    ("Add a release workflow that tags versions", [], {}, (C,)),
    ("Run the test suite on merge requests", [], {}, (C,)),
    ("CI: tests are flaky on Windows runners", [], {}, (C,)),
    ("Automate deployments on merge to main", [], {}, (C,)),
    ("Add a manual approval step before production deploys", [], {}, (C,)),
    ("Write Terraform for an EKS cluster on AWS", [], {}, (I,)),
    ("Provision a GKE cluster with Terraform", [], {}, (I,)),
    ("Create Kubernetes manifests for the backend (Deployment, Service, Ingress)", [], {}, (I,)),
    ("Add a Helm chart for the service", [], {}, (I,)),
    ("Add a HorizontalPodAutoscaler and autoscaling for the API on Kubernetes", [], {}, (I,)),
    ("Set up an Azure resource group and AKS with Terraform", [], {}, (I,)),
    ("Add an Ingress with TLS for the frontend on k8s", [], {}, (I,)),
    ("Write kustomize overlays for staging and production", [], {}, (I,)),
    ("Move the Terraform state to an S3 backend on AWS", [], {}, (I,)),
    ("Create a VPC and a load balancer on GCP", [], {}, (I,)),
    ("Infrastructure as code for the staging environment", [], {}, (I,)),
    ("Dockerize the app and deploy it to Kubernetes", [], {}, (D, I)),
    ("Deploy the API to our EKS cluster", [], {}, (D, I)),
    ("Ship the web app to production on Google Cloud", [], {}, (D, I)),
    ("Deploy the service to Kubernetes with Helm", [], {}, (D, I)),
    ("Containerize and deploy the backend", [], {}, (D, I)),
    ("Build the Docker image in GitHub Actions and push it to the registry", [], {}, (D, C)),
    ("Build and push the Docker image from the GitLab pipeline", [], {}, (D, C)),
    ("Add a GitHub Actions workflow that deploys to our Kubernetes cluster", [], {}, DIC),
    ("CI/CD pipeline that deploys the app to AWS ECS", [], {}, DIC),
    ("End-to-end CI/CD for the microservice", [], {}, DIC),
    ("Full deployment pipeline: build, test and deploy to Kubernetes", [], {}, DIC),
    ("Automate deployment of the API to the cluster on every merge", [], {}, DIC),
]

JOB_POSTS: list[Row] = [
    ("Design and maintain CI/CD pipelines with GitHub Actions", [], {}, (C,)),
    ("Build and maintain Docker images for our services", [], {}, (D,)),
    ("Manage AWS infrastructure with Terraform", [], {}, (I,)),
    ("Operate Kubernetes clusters and autoscaling", [], {}, (I,)),
    ("Write and maintain Jenkins pipelines", [], {}, (C,)),
    ("Containerize legacy applications and migrate them to Kubernetes", [], {}, (D, I)),
    ("Own the end-to-end delivery pipeline from commit to production", [], {}, DIC),
    ("Automate testing in the CI pipeline", [], {}, (C,)),
    ("Provision cloud infrastructure on Azure", [], {}, (I,)),
    ("Implement infrastructure as code and CI/CD for microservices on Kubernetes", [], {}, DIC),
    ("Maintain docker-compose environments for developers", [], {}, (D,)),
    ("Deploy and scale services on GKE", [], {}, (D, I)),
]

WITH_REQUIREMENTS_OR_CONTEXT: list[Row] = [
    ("Prepare the project for production", [], {"cloud_provider": "gcp"}, (I,)),
    ("Prepare the project", ["Run as non-root", "Multi-stage build"], {}, (D,)),
    ("Set up the pipeline", [], {"registry": "ghcr.io/acme"}, (D, C)),
    ("Set up the pipeline", ["Deploy to the staging cluster"], {}, DIC),
    ("Write the manifests", [], {"cluster": "prod-eu"}, (I,)),
    ("Add CI", ["GitHub Actions", "Push the image to ECR"], {}, (D, C)),
    ("Set up hosting for the website", [], {"cloudProvider": "azure"}, (I,)),
    ("Make the app deployable", ["Dockerfile", "Kubernetes manifests"], {}, (D, I)),
    ("Improve the developer setup", ["docker compose with hot reload"], {}, (D,)),
    ("Ship it", ["GitLab CI", "Kubernetes"], {"project_type": "go"}, DIC),
]

NOTHING: list[Row] = [
    ("Write a poem about the sea", [], {}, ()),
    ("Translate the README to French", [], {}, ()),
    ("Fix the typo on the about page", [], {}, ()),
    ("Prepare the project", [], {"workspace": "/workspace", "project_type": "nodejs"}, ()),
    ("Prepare the project", [], {"repo": "https://gitlab.com/org/app"}, ()),
]

# Added after the rules were written, and not tuned for: the honest part of the table.
UNSEEN: list[Row] = [
    ("Add Dockerfile", [], {}, (D,)),
    ("Add support for running in Docker", [], {}, (D,)),
    ("Helm chart for deploying on Kubernetes", [], {}, (I,)),
    ("Provide a docker-compose example for production deployment", [], {}, (D,)),
    ("GitHub Action to publish the Docker image on release", [], {}, (D, C)),
    ("Add a Terraform module for the Cloud Run deployment", [], {}, (I,)),
    ("Set up Argo CD for GitOps deployments to the cluster", [], {}, (I,)),
    ("Add pre-commit hooks and a lint job", [], {}, (C,)),
    ("Kubernetes liveness and readiness probes are misconfigured", [], {}, (I,)),
    ("Build multi-arch images (amd64/arm64) with buildx in CI", [], {}, (D, C)),
    ("Set up a staging environment on AWS with auto-scaling", [], {}, (I,)),
    ("Add SonarQube analysis to the Jenkins pipeline", [], {}, (C,)),
    ("Create a docker-compose setup to run the whole stack locally", [], {}, (D,)),
    ("Create a Dockerfile and Kubernetes manifests for the Python worker", [], {}, (D, I)),
    ("Our GitLab pipeline should deploy to the k8s cluster after tests pass", [], {}, DIC),
    # a second batch, also untuned
    ("Run the Django app with Gunicorn in Docker", [], {}, (D,)),
    ("GitHub workflow that runs terraform plan on pull requests", [], {}, (C,)),
    ("Add a Makefile target to build the Docker image", [], {}, (D,)),
    ("Deploy the Rails app to AWS with CI/CD", [], {}, DIC),
    ("Publish the Python package to PyPI from GitHub Actions", [], {}, (C,)),
    ("Add resource limits and requests to the Kubernetes deployment", [], {}, (I,)),
    ("Set up Prometheus monitoring on the Kubernetes cluster", [], {}, (I,)),
    ("Create a development container with docker compose and a seeded database", [], {}, (D,)),
    ("Migrate the deployment from EC2 VMs to EKS", [], {}, (D, I)),
    ("Speed up the slow CI by caching Docker layers", [], {}, (C,)),
    ("Add staging and production environments to the GitLab pipeline", [], {}, (C,)),
    ("Provision a managed Postgres database with Terraform on Azure", [], {}, (I,)),
]

ALL_ROWS: list[Row] = [
    *DONE_WHEN,
    *NETWORK,
    *ISSUE_TITLES,
    *JOB_POSTS,
    *WITH_REQUIREMENTS_OR_CONTEXT,
    *NOTHING,
    *UNSEEN,
]
