"""Terraform for Azure: a resource group, a container registry and an AKS cluster that may
pull from it."""

from __future__ import annotations


def azure_main() -> str:
    return """terraform {
  required_version = ">= 1.6"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.6"
    }
  }
}

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "main" {
  name     = "${var.app_name}-rg"
  location = var.location
}

resource "azurerm_container_registry" "main" {
  name                = replace("${var.app_name}acr", "-", "")
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  sku                 = "Standard"
  admin_enabled       = false
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = var.cluster_name
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = var.cluster_name
  kubernetes_version  = var.kubernetes_version

  default_node_pool {
    name       = "default"
    node_count = var.node_count
    vm_size    = var.node_vm_size
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "pull" {
  principal_id                     = azurerm_kubernetes_cluster.main.kubelet_identity[0].object_id
  role_definition_name             = "AcrPull"
  scope                            = azurerm_container_registry.main.id
  skip_service_principal_aad_check = true
}
"""


def azure_outputs() -> str:
    return """output "cluster_name" {
  description = "Name of the AKS cluster"
  value       = azurerm_kubernetes_cluster.main.name
}

output "registry_login_server" {
  description = "Registry to push the image to"
  value       = azurerm_container_registry.main.login_server
}

output "kubeconfig_command" {
  description = "Command that writes a kubeconfig for the cluster"
  value = join(" ", [
    "az aks get-credentials",
    "--resource-group", azurerm_resource_group.main.name,
    "--name", azurerm_kubernetes_cluster.main.name,
  ])
}
"""
