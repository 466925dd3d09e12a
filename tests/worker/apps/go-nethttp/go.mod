module github.com/agentnet/quotes

go 1.23
