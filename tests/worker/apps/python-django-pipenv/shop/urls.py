from django.http import JsonResponse
from django.urls import path


def healthz(request):
    return JsonResponse({"status": "ok"})


def orders(request):
    return JsonResponse({"orders": []})


urlpatterns = [
    path("healthz/", healthz),
    path("api/orders/", orders),
]
