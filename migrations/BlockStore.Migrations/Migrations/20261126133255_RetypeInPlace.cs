using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class RetypeInPlace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "retyping_from",
                schema: "blockstore",
                table: "volumes",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "retyping_from_multiattach",
                schema: "blockstore",
                table: "volumes",
                type: "boolean",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "retyping_from",
                schema: "blockstore",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "retyping_from_multiattach",
                schema: "blockstore",
                table: "volumes");
        }
    }
}
