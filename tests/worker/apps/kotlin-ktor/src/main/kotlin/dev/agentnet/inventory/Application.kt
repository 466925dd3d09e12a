package dev.agentnet.inventory

import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing

fun main() {
    embeddedServer(Netty, port = 8088, host = "0.0.0.0") {
        routing {
            get("/healthz") { call.respondText("ok") }
            get("/items") { call.respondText("[]") }
        }
    }.start(wait = true)
}
