"""Terraform for Google Cloud: an Artifact Registry repository and a GKE Autopilot cluster."""

from __future__ import annotations


def gcp_main() -> str:
    return """terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.8"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

resource "google_artifact_registry_repository" "app" {
  location      = var.region
  repository_id = var.app_name
  description   = "Container images of ${var.app_name}"
  format        = "DOCKER"
}

resource "google_container_cluster" "main" {
  name                = var.cluster_name
  location            = var.region
  enable_autopilot    = true
  deletion_protection = true
  min_master_version  = var.kubernetes_version

  release_channel {
    channel = "REGULAR"
  }
}
"""


def gcp_outputs() -> str:
    return """output "cluster_name" {
  description = "Name of the GKE cluster"
  value       = google_container_cluster.main.name
}

output "cluster_endpoint" {
  description = "API server endpoint of the GKE cluster"
  value       = google_container_cluster.main.endpoint
  sensitive   = true
}

output "repository_url" {
  description = "Artifact Registry path to push the image to"
  value = join("/", [
    "${var.region}-docker.pkg.dev",
    var.project_id,
    google_artifact_registry_repository.app.repository_id,
  ])
}

output "kubeconfig_command" {
  description = "Command that writes a kubeconfig for the cluster"
  value = join(" ", [
    "gcloud container clusters get-credentials", var.cluster_name,
    "--region", var.region, "--project", var.project_id,
  ])
}
"""
