using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Services : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "services",
                schema: "blockstore",
                columns: table => new
                {
                    host = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    binary_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    zone = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    backend_up = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_services", x => new { x.host, x.binary_name });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "services",
                schema: "blockstore");
        }
    }
}
