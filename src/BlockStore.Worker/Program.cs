using Microsoft.Extensions.Hosting;
var builder = Host.CreateApplicationBuilder(args);
builder.Build().Run();
