plugins {
    kotlin("jvm") version "2.1.0"
    id("io.ktor.plugin") version "3.0.2"
    application
}

group = "dev.agentnet"
version = "0.1.0"

application {
    mainClass.set("dev.agentnet.inventory.ApplicationKt")
}

kotlin {
    jvmToolchain(21)
}

repositories { mavenCentral() }

dependencies {
    implementation("io.ktor:ktor-server-core")
    implementation("io.ktor:ktor-server-netty")
    testImplementation("io.ktor:ktor-server-test-host")
}
