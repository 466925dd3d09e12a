var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapGet("/orders/{id:int}", (int id) => Results.Ok(new { id }));

app.Run("http://0.0.0.0:5080");
