from fakes.sdk_calls import client, messages_api, shared_api

__all__ = ["client", "messages_api", "shared_api"]
