"""A small order-tracking API."""

from fastapi import FastAPI

app = FastAPI(title="orders")

ORDERS: dict[int, str] = {1: "shipped", 2: "packing"}


@app.get("/health/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/orders/{order_id}")
def order(order_id: int) -> dict[str, str]:
    return {"id": str(order_id), "state": ORDERS.get(order_id, "unknown")}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run("app.main:app", host="0.0.0.0", port=8181)
