Console.WriteLine("migrations");
